"""Connecting the WhatsApp Cloud API, Messenger, Instagram and a mailbox from the console's
set-up page, through the same use case as `balas store connect-*`, against the Graph API
stand-in and real mail servers: each channel connects, is audited and shows its account (never
its secrets); Meta's webhooks are subscribed, and a refused subscription is reported without
undoing the connection; a refused token or login saves nothing and says why; agents get 403."""

import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from services.console.app import create_app
from services.console.audit import Action
from services.console.auth.users import Role
from services.console.collections import CONSOLE_AUDIT
from shared.channels import Channel
from shared.mongo import Database
from shared.routes import MESSENGER_PATH, WHATSAPP_CLOUD_PATH, public_url
from shared.secrets import secret_box
from shared.settings import Settings
from shared.stores.channel_connect import PAGE_FIELDS
from shared.stores.collections import STORES
from shared.stores.directory import Store
from tests.standins.graph_api import WABA_ID, GraphApiStandIn
from tests.standins.mail_servers import Dovecot, SmtpStandIn, dovecot_available
from tests.standins.server import LoopbackServer
from tests.support.console import ConsoleApi, SignedIn

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[SignedIn]]
TOKEN = "EAAG-console-token"
APP_SECRET = "console-app-secret"
VERIFY_TOKEN = "console-verify-phrase"
SECRETS = {"token": TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN}
PASSWORD = "rahasia-kotak-surat"


@pytest.fixture
def graph() -> Iterator[GraphApiStandIn]:
    stand_in = GraphApiStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def console_api(settings: Settings, graph: GraphApiStandIn) -> Iterator[ConsoleApi]:
    """The console, reaching Meta's Graph API at the stand-in (sign_in signs in here)."""
    configured = settings.updated(whatsapp_cloud={"graph_api_base_url": graph.url})
    server = LoopbackServer(create_app(configured)).start()
    yield ConsoleApi(url=server.url, token=settings.console.admin_api_token.get_secret_value())
    server.stop()


async def stored(db: Database, store_id: str) -> dict[str, Any]:
    document = await db[STORES].find_one({"_id": store_id})
    assert document is not None
    return document


async def audited(db: Database, store_id: str) -> list[dict[str, Any]]:
    cursor = db[CONSOLE_AUDIT].find({"store_id": store_id}).sort("at", 1)
    return [entry async for entry in cursor]


def shows_no_secret(text: str, *secrets: str) -> bool:
    return not any(secret in text for secret in secrets)


async def test_the_cloud_api_connects_and_subscribes_the_business_account(
    db: Database, settings: Settings, graph: GraphApiStandIn, sign_in: SignIn
) -> None:
    number = graph.add_number(f"+62812{uuid.uuid4().int % 10**8:08d}", TOKEN, APP_SECRET)
    owner, store_id, csrf = await sign_in(Role.OWNER, lang="en")
    form = {"phone_number_id": number.phone_number_id, "business_account_id": WABA_ID}

    page = await owner.post(
        f"/stores/{store_id}/setup/whatsapp-cloud", data=form | SECRETS | {"csrf_token": csrf}
    )

    assert page.status_code == 200, page.text
    assert 'data-outcome="whatsapp_cloud"' in page.text
    assert f"Connected: {number.display_number}, since" in page.text
    assert "Meta&#39;s webhooks are subscribed" in page.text
    assert public_url(settings.ingest.public_base_url, WHATSAPP_CLOUD_PATH) in page.text
    assert shows_no_secret(page.text, TOKEN, APP_SECRET, VERIFY_TOKEN)
    assert graph.subscriptions == [{"object_id": WABA_ID, "fields": ""}]
    document = await stored(db, store_id)
    assert shows_no_secret(str(document), TOKEN, APP_SECRET, VERIFY_TOKEN)
    cloud = Store.model_validate(document).whatsapp_cloud
    assert cloud is not None
    assert secret_box(settings).decrypt(cloud.access_token) == TOKEN
    [entry] = await audited(db, store_id)
    assert (entry["action"], entry["details"]["channel"]) == (
        Action.CHANNEL_CONNECTED,
        "whatsapp_cloud",
    )


async def test_messenger_connects_and_subscribes_the_pages_webhooks(
    db: Database, settings: Settings, graph: GraphApiStandIn, sign_in: SignIn
) -> None:
    facebook_page = graph.add_page("page", TOKEN, APP_SECRET)
    owner, store_id, csrf = await sign_in(Role.OWNER, lang="en")

    page = await owner.post(
        f"/stores/{store_id}/setup/messenger",
        data={"account_id": facebook_page.account_id} | SECRETS | {"csrf_token": csrf},
    )

    assert page.status_code == 200, page.text
    assert f"Connected: {facebook_page.name}, since" in page.text
    assert public_url(settings.ingest.public_base_url, MESSENGER_PATH) in page.text
    assert shows_no_secret(page.text, TOKEN, APP_SECRET, VERIFY_TOKEN)
    assert graph.subscriptions == [
        {"object_id": facebook_page.account_id, "fields": PAGE_FIELDS[Channel.MESSENGER]}
    ]
    messenger = (await stored(db, store_id))["messenger"]
    assert messenger["account_id"] == facebook_page.account_id
    assert shows_no_secret(str(messenger), TOKEN, APP_SECRET, VERIFY_TOKEN)


async def test_instagram_stays_connected_when_meta_refuses_the_subscription(
    db: Database, graph: GraphApiStandIn, sign_in: SignIn
) -> None:
    account = graph.add_page("instagram", TOKEN, APP_SECRET)
    graph.refuse_subscriptions = True
    owner, store_id, csrf = await sign_in(Role.OWNER, lang="en")

    page = await owner.post(
        f"/stores/{store_id}/setup/instagram",
        data={"account_id": account.account_id} | SECRETS | {"csrf_token": csrf},
    )

    assert page.status_code == 200, page.text
    assert "Connected: tokobatik, since" in page.text
    assert "data-subscription-refused" in page.text
    assert "pages_manage_metadata is missing" in page.text  # Meta's reason
    assert graph.subscriptions == []  # refused, so not recorded
    assert (await stored(db, store_id))["instagram"]["account_id"] == account.account_id
    [entry] = await audited(db, store_id)
    assert entry["details"]["webhooks_subscribed"] is False


async def test_a_refused_token_says_why_in_the_admins_language_and_saves_nothing(
    db: Database, graph: GraphApiStandIn, sign_in: SignIn
) -> None:
    number = graph.add_number(f"+62813{uuid.uuid4().int % 10**8:08d}", TOKEN, APP_SECRET)
    owner, store_id, csrf = await sign_in(Role.OWNER, lang="id")
    form = {"phone_number_id": number.phone_number_id, "token": "EAAG-expired"}

    page = await owner.post(
        f"/stores/{store_id}/setup/whatsapp-cloud",
        data=SECRETS | form | {"csrf_token": csrf},
    )

    assert page.status_code == 422
    assert 'data-outcome="whatsapp_cloud"' in page.text
    assert "Meta refused the access token (401)" in page.text  # the reason
    assert "Periksa ID-nya dan pastikan token valid" in page.text  # what to do, in Indonesian
    assert number.phone_number_id in page.text  # the form keeps what was typed, but no secret
    assert shows_no_secret(page.text, "EAAG-expired", APP_SECRET, VERIFY_TOKEN)
    assert (await stored(db, store_id)).get("whatsapp_cloud") is None
    assert graph.subscriptions == []
    assert await audited(db, store_id) == []


async def test_agents_may_not_connect_a_channel(
    db: Database, graph: GraphApiStandIn, sign_in: SignIn
) -> None:
    facebook_page = graph.add_page("page", TOKEN, APP_SECRET)
    _, store_id, _ = await sign_in(Role.OWNER)
    agent, _, csrf = await sign_in(Role.AGENT, store_id)
    form = {"account_id": facebook_page.account_id} | SECRETS | {"csrf_token": csrf}

    for channel in ("whatsapp-cloud", "messenger", "instagram", "email"):
        refused = await agent.post(f"/stores/{store_id}/setup/{channel}", data=form)
        assert refused.status_code == 403
    assert (await stored(db, store_id)).get("messenger") is None
    assert graph.subscriptions == []


@pytest.mark.skipif(not dovecot_available(), reason="dovecot-imapd: make system-deps-test")
async def test_a_mailbox_connects_once_both_logins_work(db: Database, sign_in: SignIn) -> None:
    dovecot, smtp = Dovecot().start(), SmtpStandIn().start()
    try:
        owner, store_id, csrf = await sign_in(Role.OWNER, lang="en")
        address = f"cs@{store_id}.example"
        dovecot.add_user(address, PASSWORD)
        smtp.logins[address] = PASSWORD
        form = {"address": address, "imap_host": "127.0.0.1", "smtp_host": "127.0.0.1"}
        form |= {"imap_port": str(dovecot.port), "smtp_port": str(smtp.port)}
        form |= {"imap_security": "plain", "smtp_security": "plain", "csrf_token": csrf}
        form |= {"user": "", "smtp_password": PASSWORD}

        refused = await owner.post(
            f"/stores/{store_id}/setup/email", data=form | {"imap_password": "guessed"}
        )
        connected = await owner.post(
            f"/stores/{store_id}/setup/email", data=form | {"imap_password": PASSWORD}
        )
    finally:
        smtp.stop()
        dovecot.stop()

    assert refused.status_code == 422
    assert f"IMAP 127.0.0.1 refused the login of {address}" in refused.text
    assert connected.status_code == 200, connected.text
    assert f"Connected: {address}, since" in connected.text
    assert shows_no_secret(connected.text + refused.text, PASSWORD, "guessed")
    mailbox = (await stored(db, store_id))["email"]
    assert (mailbox["address"], mailbox["imap"]["port"]) == (address, dovecot.port)
    assert shows_no_secret(str(mailbox), PASSWORD)
    assert [entry["action"] for entry in await audited(db, store_id)] == ["channel_connected"]
