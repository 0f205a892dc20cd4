"""The production shape in deploy/ stays in step with the code: settings, services and ports."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from balas.supervisor import SERVICES
from shared.settings import Settings, environment_variables

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "docker-compose.yml"
SETTING_NAMES = set(environment_variables())


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = _yaml(COMPOSE_FILE)
    return document


@pytest.fixture(scope="module")
def prometheus() -> dict[str, Any]:
    document: dict[str, Any] = _yaml(DEPLOY / "prometheus" / "prometheus.yml")
    return document


def _environment(service: dict[str, Any]) -> dict[str, str]:
    """A compose `environment:` as a mapping, whether written as a mapping or a list."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {name: str(value) for name, value in environment.items()}


def _as_argv(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return value.split() if isinstance(value, str) else [str(part) for part in value]


def _dockerfile_instruction(name: str) -> list[str]:
    """The exec-form (JSON) argument of the Dockerfile's last ENTRYPOINT or CMD."""
    lines = [
        line.split(None, 1)[1]
        for line in (DEPLOY / "Dockerfile").read_text().splitlines()
        if line.startswith(f"{name} ")
    ]
    assert lines, f"deploy/Dockerfile has no {name}"
    argv: list[str] = json.loads(lines[-1])
    return argv


def _service_port(service: str) -> int:
    """The port of a service's /readyz."""
    defaults = Settings.model_construct()
    return {
        "ingest": defaults.ingest.port,
        "console": defaults.console.port,
        "responder": defaults.metrics.responder_port,
        "enricher": defaults.metrics.enricher_port,
        "kpi_aggregator": defaults.metrics.kpi_aggregator_port,
    }[service]


def _metrics_port(service: str) -> int:
    """The port Prometheus scrapes: ingest's own metrics port, else the service's port."""
    ingest_metrics = Settings.model_construct().metrics.ingest_port
    return ingest_metrics if service == "ingest" else _service_port(service)


def test_compose_defines_every_balas_service(compose: dict[str, Any]) -> None:
    assert set(SERVICES) <= set(compose["services"])


@pytest.mark.parametrize("service", SERVICES)
def test_each_container_runs_balas_run_with_its_service_name(
    compose: dict[str, Any], service: str
) -> None:
    definition = compose["services"][service]
    entrypoint = _as_argv(definition.get("entrypoint")) or _dockerfile_instruction("ENTRYPOINT")
    command = _as_argv(definition.get("command")) or _dockerfile_instruction("CMD")

    assert entrypoint + command == ["balas", "run", service]


def test_the_image_runs_as_a_non_root_user() -> None:
    users = [
        line.split()[1]
        for line in (DEPLOY / "Dockerfile").read_text().splitlines()
        if line.startswith("USER ")
    ]

    assert users, "deploy/Dockerfile sets no USER"
    assert users[-1] not in ("root", "0")


@pytest.mark.parametrize("service", SERVICES)
def test_compose_environment_names_are_settings(compose: dict[str, Any], service: str) -> None:
    names = set(_environment(compose["services"][service]))

    assert names, f"{service} gets no environment"
    assert names <= SETTING_NAMES, f"not settings (silently ignored): {names - SETTING_NAMES}"


@pytest.mark.parametrize("service", SERVICES)
def test_services_listen_on_all_interfaces_and_use_the_compose_servers(
    compose: dict[str, Any], service: str
) -> None:
    environment = _environment(compose["services"][service])
    kafka = compose["services"]["kafka"]["environment"]
    advertised = kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")

    assert environment["INGEST_HOST"] == "0.0.0.0"
    assert environment["METRICS_HOST"] == "0.0.0.0"
    assert environment["ENVIRONMENT"] == "production"
    assert environment["LOG_FORMAT"] == "json"
    assert any(
        listener.endswith("://" + environment["KAFKA_BOOTSTRAP_SERVERS"]) for listener in advertised
    )
    assert "replicaSet=rs0" in environment["MONGODB_URI"]


@pytest.mark.parametrize("service", SERVICES)
def test_services_wait_for_healthy_kafka_and_mongodb(compose: dict[str, Any], service: str) -> None:
    depends_on = compose["services"][service]["depends_on"]

    assert depends_on["kafka"]["condition"] == "service_healthy"
    assert depends_on["mongodb"]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", SERVICES)
def test_service_healthchecks_probe_readiness_on_the_service_port(
    compose: dict[str, Any], service: str
) -> None:
    probe = " ".join(compose["services"][service]["healthcheck"]["test"])

    assert f":{_service_port(service)}/readyz" in probe


def test_ingest_publishes_its_webhook_port(compose: dict[str, Any]) -> None:
    port = _service_port("ingest")

    assert f"{port}:{port}" in compose["services"]["ingest"]["ports"]


def test_kafka_runs_in_kraft_mode_on_one_node(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]

    assert kafka["image"].startswith("apache/kafka:")
    assert set(kafka["environment"]["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert "healthcheck" in kafka


def test_mongodb_is_a_replica_set_initiated_by_its_healthcheck(compose: dict[str, Any]) -> None:
    mongodb = compose["services"]["mongodb"]
    command = _as_argv(mongodb["command"])
    probe = " ".join(mongodb["healthcheck"]["test"])

    assert command[command.index("--replSet") + 1] == "rs0"
    assert "rs.initiate" in probe
    assert "mongodb:27017" in probe  # the member's address, as the other containers reach it


def _scrape_targets(prometheus: dict[str, Any]) -> set[str]:
    """Every `host:port` Prometheus scrapes /metrics at."""
    targets: set[str] = set()
    for job in prometheus["scrape_configs"]:
        if job.get("metrics_path", "/metrics") != "/metrics":
            continue
        for static in job.get("static_configs", []):
            targets.update(static["targets"])
        for dns in job.get("dns_sd_configs", []):
            targets.update(f"{name}:{dns['port']}" for name in dns["names"])
    return targets


@pytest.mark.parametrize("service", SERVICES)
def test_prometheus_scrapes_each_service_at_its_metrics_port(
    prometheus: dict[str, Any], service: str
) -> None:
    assert f"{service}:{_metrics_port(service)}" in _scrape_targets(prometheus)


def test_prometheus_never_scrapes_ingests_public_port(prometheus: dict[str, Any]) -> None:
    assert f"ingest:{_service_port('ingest')}" not in _scrape_targets(prometheus)


def test_ingests_metrics_port_is_exposed_inside_the_network_only(
    compose: dict[str, Any],
) -> None:
    ingest = compose["services"]["ingest"]
    metrics = str(_metrics_port("ingest"))

    assert metrics in [str(port) for port in ingest["expose"]]
    assert not any(metrics in str(published) for published in ingest["ports"])


def test_prometheus_is_published_on_the_hosts_loopback_only(compose: dict[str, Any]) -> None:
    # Prometheus has no authentication and its metrics carry every store's figures.
    published = [str(port) for port in compose["services"]["prometheus"].get("ports", [])]

    assert all(port.startswith("127.0.0.1:") for port in published), published


@pytest.mark.parametrize("service", SERVICES)
def test_only_ingest_and_the_console_publish_ports(compose: dict[str, Any], service: str) -> None:
    published = compose["services"][service].get("ports", [])

    assert not published or service in ("ingest", "console")


def test_grafana_requires_a_login_with_the_admin_password_from_the_environment(
    compose: dict[str, Any],
) -> None:
    environment = _environment(compose["services"]["grafana"])
    password = environment["GF_SECURITY_ADMIN_PASSWORD"]

    assert environment.get("GF_AUTH_ANONYMOUS_ENABLED", "false").lower() == "false"
    assert "GF_AUTH_ANONYMOUS_ORG_ROLE" not in environment
    assert environment.get("GF_USERS_ALLOW_SIGN_UP") == "false"
    # `${NAME:?message}`: Compose refuses to start without it; no default password in the file
    assert re.fullmatch(r"\$\{GRAFANA_ADMIN_PASSWORD:\?[^}]*\}", password), password


def test_prometheus_config_is_mounted_into_the_prometheus_container(
    compose: dict[str, Any],
) -> None:
    volumes = compose["services"]["prometheus"]["volumes"]

    assert any(
        volume.startswith("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml")
        for volume in volumes
    )


def test_env_example_names_every_setting_and_nothing_else() -> None:
    assignment = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=")
    names = {
        match.group(1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if (match := assignment.match(line))
    }

    assert names == SETTING_NAMES


def test_env_example_loads_as_development_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)

    settings = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]

    assert settings.environment == "development"
    assert settings.kafka.bootstrap_servers is None  # embedded servers by default
    assert settings.mongodb.uri is None
    assert not settings.llm.configured


@pytest.mark.parametrize("document", ["docs/configuration.md", "README.md"])
def test_configuration_tables_list_every_setting_and_nothing_else(document: str) -> None:
    row = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \|")
    names = {
        match.group(1)
        for line in (ROOT / document).read_text().splitlines()
        if (match := row.match(line))
    }

    assert names == SETTING_NAMES


def _compose_plugin_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
    )
    return probe.returncode == 0


def test_docker_compose_accepts_the_file() -> None:
    if not _compose_plugin_available():
        pytest.skip("`docker compose version` failed: the Docker Compose plugin is not installed")

    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        # Grafana's admin password is required (${GRAFANA_ADMIN_PASSWORD:?...}).
        env={**os.environ, "GRAFANA_ADMIN_PASSWORD": "compose-config-check"},
    )

    assert result.returncode == 0, result.stderr
