"""`balas store connect-messenger` and `connect-instagram` against the Graph API stand-in:
the page token checked with a one-line reason when Meta refuses it, the credentials stored
encrypted when it passes and then answering Meta's handshake, one account for one store."""

import httpx
import pytest
from typer.testing import CliRunner

from balas.cli import app
from services.ingest.app import create_app as create_ingest_app
from services.ingest.channels.meta_messaging import ENDPOINTS
from shared.channels import Channel
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.directory import Store
from tests.standins.graph_api import GraphApiStandIn, Page
from tests.standins.server import LoopbackServer
from tests.support.stores import save_new_store, stored_document

pytestmark = pytest.mark.slow

TOKEN = "EAAG-page-token"
APP_SECRET = "page-onboarding-app-secret"
VERIFY_TOKEN = "page-onboarding-phrase"
COMMANDS = {
    Channel.MESSENGER: ("connect-messenger", "--page-id", "page"),
    Channel.INSTAGRAM: ("connect-instagram", "--account-id", "instagram"),
}


@pytest.fixture
def page(graph_api: GraphApiStandIn, channel: Channel) -> Page:
    return graph_api.add_page(COMMANDS[channel][2], TOKEN, APP_SECRET)


@pytest.fixture
def cli_env(settings: Settings, graph_api: GraphApiStandIn) -> dict[str, str]:
    return settings.as_environment() | {"WHATSAPP_CLOUD_GRAPH_API_BASE_URL": graph_api.url}


@pytest.fixture
async def other_store(db: Database) -> Store:
    return await save_new_store(db)


def connect(
    env: dict[str, str], channel: Channel, store_id: str, account_id: str, token: str
) -> str:
    name, id_option, _ = COMMANDS[channel]
    command = ["store", name, "--store", store_id, id_option, account_id, "--token", token]
    command += ["--app-secret", APP_SECRET, "--verify-token", VERIFY_TOKEN]
    result = CliRunner().invoke(app, command, env=env)
    return f"{result.exit_code}\n{result.output}"


@pytest.mark.parametrize("channel", list(COMMANDS), indirect=True, ids=str)
def test_checked_credentials_are_stored_encrypted_and_answer_metas_handshake(
    settings: Settings, cli_env: dict[str, str], channel: Channel, page: Page, store: Store
) -> None:
    output = connect(cli_env, channel, store.id, page.account_id, TOKEN)

    assert output.startswith("0\n"), output
    document = stored_document(settings, store.id)
    assert document[channel.value]["account_id"] == page.account_id
    for secret in (TOKEN, APP_SECRET, VERIFY_TOKEN):
        assert secret not in str(document)
        assert secret not in output
    server = LoopbackServer(create_ingest_app(settings)).start()
    try:
        query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}
        answer = httpx.get(server.url + ENDPOINTS[channel], params=query)
    finally:
        server.stop()
    assert (answer.status_code, answer.text) == (200, "42")


@pytest.mark.parametrize("channel", [Channel.INSTAGRAM], indirect=True, ids=str)
def test_a_refused_token_is_a_one_line_reason_and_nothing_is_saved(
    settings: Settings, cli_env: dict[str, str], channel: Channel, page: Page, store: Store
) -> None:
    output = connect(cli_env, channel, store.id, page.account_id, "EAAG-expired")

    assert output.startswith("1\n")
    assert "Meta refused the access token (401)" in output
    assert "nothing was saved" in output
    assert stored_document(settings, store.id).get(channel.value) is None


def test_one_account_cannot_serve_two_stores(
    cli_env: dict[str, str], channel: Channel, page: Page, store: Store, other_store: Store
) -> None:
    assert connect(cli_env, channel, store.id, page.account_id, TOKEN).startswith("0\n")

    output = connect(cli_env, channel, other_store.id, page.account_id, TOKEN)

    assert output.startswith("1\n")
    assert f"another store already uses this {channel.value} account" in output
