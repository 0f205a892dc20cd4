"""`balas store connect-whatsapp-cloud` against the Graph API stand-in: credentials checked
with a one-line reason when they fail, stored encrypted when they pass, and then what ingest
uses for Meta's handshake."""

import uuid

import httpx
import pytest
from typer.testing import CliRunner

from balas.cli import app
from services.ingest.app import create_app as create_ingest_app
from shared.mongo import Database
from shared.routes import WHATSAPP_CLOUD_PATH
from shared.settings import Settings
from shared.stores.directory import Store
from tests.standins.graph_api import GraphApiStandIn, PhoneNumber
from tests.standins.server import LoopbackServer
from tests.support.stores import save_new_store, stored_document

pytestmark = pytest.mark.slow

TOKEN = "EAAG-onboarding-token"
APP_SECRET = "onboarding-app-secret"
VERIFY_TOKEN = "onboarding-verify-phrase"


@pytest.fixture
def number(graph_api: GraphApiStandIn) -> PhoneNumber:
    return graph_api.add_number(f"+62812{uuid.uuid4().int % 10**8:08d}", TOKEN, APP_SECRET)


@pytest.fixture
def cli_env(settings: Settings, graph_api: GraphApiStandIn) -> dict[str, str]:
    return settings.as_environment() | {"WHATSAPP_CLOUD_GRAPH_API_BASE_URL": graph_api.url}


@pytest.fixture
async def other_store(db: Database) -> Store:
    return await save_new_store(db)


def connect(env: dict[str, str], store_id: str, phone_number_id: str, token: str) -> str:
    command = ["store", "connect-whatsapp-cloud", "--store", store_id]
    command += ["--phone-number-id", phone_number_id, "--token", token]
    command += ["--app-secret", APP_SECRET, "--verify-token", VERIFY_TOKEN]
    result = CliRunner().invoke(app, command, env=env)
    return f"{result.exit_code}\n{result.output}"


def test_checked_credentials_are_stored_encrypted_and_answer_metas_handshake(
    settings: Settings, cli_env: dict[str, str], store: Store, number: PhoneNumber
) -> None:
    output = connect(cli_env, store.id, number.phone_number_id, TOKEN)

    assert output.startswith("0\n"), output
    assert f"connected to {number.display_number}" in output
    document = stored_document(settings, store.id)
    cloud = document["whatsapp_cloud"]
    assert (cloud["phone_number_id"], cloud["display_number"]) == (
        number.phone_number_id,
        number.display_number,
    )
    for secret in (TOKEN, APP_SECRET, VERIFY_TOKEN):
        assert secret not in str(document)
        assert secret not in output
    server = LoopbackServer(create_ingest_app(settings)).start()
    try:
        query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}
        answer = httpx.get(server.url + WHATSAPP_CLOUD_PATH, params=query)
    finally:
        server.stop()
    assert (answer.status_code, answer.text) == (200, "42")


def test_a_refused_token_is_a_one_line_reason_and_nothing_is_saved(
    settings: Settings, cli_env: dict[str, str], store: Store, number: PhoneNumber
) -> None:
    output = connect(cli_env, store.id, number.phone_number_id, "EAAG-expired")

    assert output.startswith("1\n")
    assert "Meta refused the access token (401)" in output
    assert "nothing was saved" in output
    assert stored_document(settings, store.id).get("whatsapp_cloud") is None


def test_a_phone_number_id_the_token_does_not_reach_is_refused_with_metas_words(
    cli_env: dict[str, str], store: Store, number: PhoneNumber
) -> None:
    output = connect(cli_env, store.id, "999000999000999", TOKEN)

    assert output.startswith("1\n")
    assert "the Graph API answered 400: Unsupported get request" in output


def test_one_phone_number_id_cannot_serve_two_stores(
    cli_env: dict[str, str], store: Store, other_store: Store, number: PhoneNumber
) -> None:
    assert connect(cli_env, store.id, number.phone_number_id, TOKEN).startswith("0\n")

    output = connect(cli_env, other_store.id, number.phone_number_id, TOKEN)

    assert output.startswith("1\n")
    assert "another store already uses this phone number id" in output
