"""What the internet reaches of the running system, and what only the internal network does:
ingest's public port serves webhooks and probes, its /metrics (every store's figures) a port of
its own; the kpi_aggregator's API needs the admin token."""

import httpx
import pytest

from shared.stores.directory import Store
from tests.support.system import RunningSystem, Webhooks

pytestmark = pytest.mark.slow


async def test_ingest_serves_metrics_on_its_internal_port_only(
    system: RunningSystem, store: Store, webhooks: Webhooks
) -> None:
    accepted = await webhooks.message(store, "+6281234500001", "Halo, masih buka?")
    async with httpx.AsyncClient(timeout=30) as http:
        public = await http.get(f"{system.ingest_url}/metrics")
        probe = await http.get(f"{system.ingest_url}/readyz")
        internal = await http.get(f"{system.ingest_metrics_url}/metrics")

    assert accepted.status_code == 200
    assert public.status_code == 404
    assert "balas_webhooks_total" not in public.text
    assert probe.status_code == 200
    assert internal.status_code == 200
    assert "balas_webhooks_total" in internal.text


async def test_the_kpi_api_of_the_running_aggregator_needs_the_admin_token(
    system: RunningSystem, store: Store
) -> None:
    aggregator = f"http://127.0.0.1:{system.services.ports['kpi_aggregator']}"
    token = system.settings.console.admin_api_token.get_secret_value()
    path = f"{aggregator}/api/stores/{store.id}/forecast"
    async with httpx.AsyncClient(timeout=30) as http:
        stranger = await http.get(path)
        operator = await http.get(path, headers={"Authorization": f"Bearer {token}"})
        probe = await http.get(f"{aggregator}/readyz")

    assert stranger.status_code == 401
    assert operator.status_code == 200
    assert probe.status_code == 200
