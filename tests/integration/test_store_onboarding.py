"""Onboarding stores through the console API, against the Twilio and WooCommerce REST stand-ins:
the number and the webhooks are wired, reruns change nothing, refusals are clear 422s that save
nothing, two stores keep their own Twilio accounts (webhook signatures, sends), and no secret
ever leaves in an answer or a log line."""

import io
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
import structlog
from pymongo import MongoClient
from typer.testing import CliRunner

from balas.cli import app
from balas.simulate import inbound_message_form, twilio_signature
from services.console.auth.users import Role
from services.ingest.app import create_app as create_ingest_app
from services.responder.adapters.twilio_sender import TwilioSenders
from shared.events import utcnow
from shared.logging import configure_logging
from shared.mongo import Database
from shared.routes import TWILIO_MESSAGE_PATH as WHATSAPP_WEBHOOK_PATH
from shared.secrets import secret_box
from shared.settings import Settings
from shared.stores.collections import STORES
from shared.stores.directory import PluginToken, Store, StoreDirectory, WordPressConnection
from shared.stores.fields import Onboarding, StoreChange
from shared.stores.onboarding import Step, StoreOnboarding
from shared.woocommerce.api import WEBHOOK_TOPICS
from tests.standins.server import LoopbackServer
from tests.standins.twilio_api import TwilioStandIn
from tests.standins.woocommerce_api import WooCommerceStandIn
from tests.support.console import ConsoleApi, SignedIn

pytestmark = pytest.mark.slow

PUBLIC_URL = "https://balas.example"
FALLBACK_URL = "https://ingest-2.balas.example"  # Twilio retries a failed webhook here, once
GLOBAL_TOKEN = "global-twilio-token-" + "g" * 12
STORE_ACCOUNT = "AC" + "5" * 32
STORE_TOKEN = "store-twilio-token-" + "s" * 12
CONSUMER_KEY = "ck_" + "a1" * 20
CONSUMER_SECRET = "cs_" + "b2" * 20


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    stand_in = TwilioStandIn(auth_token=GLOBAL_TOKEN, status_callbacks=()).start()
    stand_in.add_account(STORE_ACCOUNT, STORE_TOKEN)
    yield stand_in
    stand_in.stop()


@pytest.fixture
def shop() -> Iterator[WooCommerceStandIn]:
    stand_in = WooCommerceStandIn(CONSUMER_KEY, CONSUMER_SECRET).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def settings(settings: Settings, twilio: TwilioStandIn) -> Settings:
    """The global Twilio account is the stand-in's main one; webhooks come to PUBLIC_URL."""
    return settings.updated(
        ingest={"public_base_url": PUBLIC_URL, "fallback_base_url": FALLBACK_URL},
        twilio={
            "account_sid": twilio.account_sid,
            "auth_token": GLOBAL_TOKEN,
            "api_base_url": twilio.url,
        },
    )


@pytest.fixture
def captured_logs(settings: Settings) -> Iterator[io.StringIO]:
    """Everything logged while the test runs, at DEBUG, as the services format it (JSON)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging(settings.updated(log={"format": "json", "level": "DEBUG"}), "t")
    ours = root.handlers[0]
    buffer = io.StringIO()
    assert isinstance(ours, logging.StreamHandler)
    ours.setStream(buffer)
    root.handlers = [*handlers, ours]  # pytest's own capture keeps working
    yield buffer
    root.removeHandler(ours)
    root.setLevel(level)
    structlog.reset_defaults()


def new_number() -> str:
    return f"+1415{uuid.uuid4().int % 10**7:07d}"


def onboarding(store_id: str, number: str | None = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": store_id, "name": "Toko Budi", **fields}
    if number:
        body["whatsapp_number"] = number
    return body


def woocommerce(shop: WooCommerceStandIn, secret: str = CONSUMER_SECRET) -> dict[str, str]:
    return {"url": shop.url, "consumer_key": CONSUMER_KEY, "consumer_secret": secret}


async def post(console_api: ConsoleApi, body: dict[str, Any]) -> httpx.Response:
    async with console_api.client() as http:
        return await http.post("/api/stores", json=body)


async def test_onboarding_wires_the_number_and_registers_the_woocommerce_webhooks(
    console_api: ConsoleApi,
    twilio: TwilioStandIn,
    shop: WooCommerceStandIn,
    db: Database,
    settings: Settings,
    store_id: str,
) -> None:
    number = new_number()
    twilio.own_number(number)
    body = onboarding(store_id, number, woocommerce=woocommerce(shop), currency="usd")

    response = await post(console_api, body)

    assert response.status_code == 201, response.text
    answer = response.json()
    assert [step["step"] for step in answer["steps"]] == [
        "woocommerce",
        "twilio",
        "webhooks",
        "twilio",
        "store",
    ]
    assert all(step["ok"] for step in answer["steps"])
    assert answer["store"] == {
        "id": store_id,
        "name": "Toko Budi",
        "whatsapp_number": number,
        "timezone": "Asia/Jakarta",
        "currency": "USD",
        "default_country": "ID",
        "woocommerce_url": shop.url,
        "woocommerce_connected": True,
        "twilio": "global",
        "plugin_token_created_at": None,
        "wordpress": None,
    }
    wired = twilio.number(number)
    assert wired is not None
    assert (wired["sms_url"], wired["sms_method"]) == (PUBLIC_URL + WHATSAPP_WEBHOOK_PATH, "POST")
    assert (wired["sms_fallback_url"], wired["sms_fallback_method"]) == (
        FALLBACK_URL + WHATSAPP_WEBHOOK_PATH,
        "POST",
    )
    stored = Store.model_validate(await db[STORES].find_one({"_id": store_id}))
    assert stored.woocommerce is not None
    webhook_secret = secret_box(settings).decrypt(stored.woocommerce.webhook_secret)
    hooks = list(shop.webhooks.values())
    assert sorted(hook["topic"] for hook in hooks) == sorted(WEBHOOK_TOPICS)
    assert {hook["delivery_url"] for hook in hooks} == {
        f"{PUBLIC_URL}/webhooks/woocommerce/{store_id}"
    }
    assert {hook["secret"] for hook in hooks} == {webhook_secret}


async def test_onboarding_again_changes_nothing_at_twilio_woocommerce_or_in_the_store(
    console_api: ConsoleApi,
    twilio: TwilioStandIn,
    shop: WooCommerceStandIn,
    db: Database,
    store_id: str,
) -> None:
    number = new_number()
    twilio.own_number(number)
    body = onboarding(store_id, number, woocommerce=woocommerce(shop))
    assert (await post(console_api, body)).status_code == 201
    document = await db[STORES].find_one({"_id": store_id})
    writes = (twilio.number_writes, shop.webhook_writes)

    again = await post(console_api, body)

    assert again.status_code == 200, again.text
    assert again.json()["created"] is False
    assert not any(step["changed"] for step in again.json()["steps"])
    assert (twilio.number_writes, shop.webhook_writes) == writes
    assert await db[STORES].find_one({"_id": store_id}) == document


async def test_a_store_without_a_number_buys_one_and_a_rerun_buys_no_second(
    console_api: ConsoleApi, twilio: TwilioStandIn, db: Database, store_id: str
) -> None:
    first, second = new_number(), new_number()
    twilio.offer_numbers("US", first, second)
    body = onboarding(store_id, buy_number={"country": "US", "area_code": "415"})

    response = await post(console_api, body)
    again = await post(console_api, body)

    assert response.status_code == 201, response.text
    assert response.json()["store"]["whatsapp_number"] == first
    bought = twilio.number(first)
    assert bought is not None
    assert bought["account_sid"] == twilio.account_sid
    assert bought["sms_url"] == PUBLIC_URL + WHATSAPP_WEBHOOK_PATH
    assert bought["sms_fallback_url"] == FALLBACK_URL + WHATSAPP_WEBHOOK_PATH
    assert again.status_code == 200, again.text
    assert again.json()["store"]["whatsapp_number"] == first
    assert twilio.number(second) is None
    assert twilio.available["US"] == [second]


async def test_a_wrong_woocommerce_secret_is_a_clear_422_and_nothing_is_saved_or_wired(
    console_api: ConsoleApi,
    twilio: TwilioStandIn,
    shop: WooCommerceStandIn,
    db: Database,
    store_id: str,
) -> None:
    number = new_number()
    twilio.own_number(number)
    body = onboarding(store_id, number, woocommerce=woocommerce(shop, secret="cs_wrong"))

    response = await post(console_api, body)

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["step"] == "woocommerce"
    assert "consumer key or secret is wrong" in detail["reason"]
    assert await db[STORES].find_one({"_id": store_id}) is None
    assert shop.webhooks == {}
    assert twilio.number_writes == 0


async def test_a_number_outside_the_twilio_account_is_a_clear_422_and_nothing_is_saved(
    console_api: ConsoleApi, twilio: TwilioStandIn, db: Database, store_id: str
) -> None:
    number = new_number()
    twilio.own_number(number, account_sid=STORE_ACCOUNT)  # not in the global account

    response = await post(console_api, onboarding(store_id, number))

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["step"] == "twilio"
    assert f"{number} is not a phone number of the global Twilio account" in detail["reason"]
    assert await db[STORES].find_one({"_id": store_id}) is None


async def test_wrong_store_twilio_credentials_are_a_clear_422(
    console_api: ConsoleApi, twilio: TwilioStandIn, db: Database, store_id: str
) -> None:
    number = new_number()
    twilio.own_number(number, account_sid=STORE_ACCOUNT)
    account = {"account_sid": STORE_ACCOUNT, "auth_token": "not-the-token"}

    response = await post(console_api, onboarding(store_id, number, twilio=account))

    assert response.status_code == 422
    assert response.json()["detail"]["reason"] == (
        "Twilio refused the account SID or auth token (401)"
    )
    assert await db[STORES].find_one({"_id": store_id}) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "Toko Budi!"),
        ("whatsapp_number", "0812345678"),
        ("timezone", "Asia/Jakarte"),
        ("currency", "RUPIAH"),
        ("default_country", "IDN"),
    ],
)
async def test_invalid_fields_are_refused_before_anything_is_called(
    console_api: ConsoleApi, twilio: TwilioStandIn, store_id: str, field: str, value: str
) -> None:
    body = {**onboarding(store_id, new_number()), field: value}

    response = await post(console_api, body)

    assert response.status_code == 422
    assert [error["loc"][-1] for error in response.json()["detail"]] == [field]
    assert twilio.number_writes == 0


async def test_two_stores_side_by_side_each_wired_and_sending_with_its_own_account(
    console_api: ConsoleApi,
    twilio: TwilioStandIn,
    db: Database,
    settings: Settings,
) -> None:
    own_id, global_id = f"own-{uuid.uuid4().hex[:8]}", f"glob-{uuid.uuid4().hex[:8]}"
    own_number, global_number = new_number(), new_number()
    twilio.own_number(own_number, account_sid=STORE_ACCOUNT)
    twilio.own_number(global_number)
    account = {"account_sid": STORE_ACCOUNT, "auth_token": STORE_TOKEN}

    own = await post(console_api, onboarding(own_id, own_number, twilio=account))
    other = await post(console_api, onboarding(global_id, global_number))

    assert (own.status_code, other.status_code) == (201, 201), (own.text, other.text)
    assert own.json()["store"]["twilio"] == "store"
    assert other.json()["store"]["twilio"] == "global"
    for number in (own_number, global_number):
        wired = twilio.number(number)
        assert wired is not None
        assert wired["sms_url"] == PUBLIC_URL + WHATSAPP_WEBHOOK_PATH
    senders = TwilioSenders(settings, StoreDirectory(db, ttl_seconds=0), secret_box(settings))
    try:
        for store_id, number in ((own_id, own_number), (global_id, global_number)):
            sender = await senders.for_store(store_id)
            assert sender is not None
            await sender.send(to="+6281100000009", sender=number, body="Halo", status_callback="")
    finally:
        senders.close()
    accounts = {m["from"]: m["account_sid"] for m in twilio.sent_to("+6281100000009")}
    assert accounts == {
        f"whatsapp:{own_number}": STORE_ACCOUNT,
        f"whatsapp:{global_number}": twilio.account_sid,
    }


async def test_ingest_checks_a_store_webhook_with_the_store_own_token(
    console_api: ConsoleApi, twilio: TwilioStandIn, settings: Settings
) -> None:
    own_id, global_id = f"own-{uuid.uuid4().hex[:8]}", f"glob-{uuid.uuid4().hex[:8]}"
    own_number, global_number = new_number(), new_number()
    twilio.own_number(own_number, account_sid=STORE_ACCOUNT)
    twilio.own_number(global_number)
    account = {"account_sid": STORE_ACCOUNT, "auth_token": STORE_TOKEN}
    assert (await post(console_api, onboarding(own_id, own_number, twilio=account))).is_success
    assert (await post(console_api, onboarding(global_id, global_number))).is_success
    ingest = LoopbackServer(create_ingest_app(settings)).start()

    async def deliver(number: str, token: str) -> int:
        form = inbound_message_form(customer="+6281100000008", store_number=number, text="Halo")
        signature = twilio_signature(token, PUBLIC_URL + WHATSAPP_WEBHOOK_PATH, form)
        async with httpx.AsyncClient(base_url=ingest.url, timeout=30) as http:
            headers = {"X-Twilio-Signature": signature}
            response = await http.post(WHATSAPP_WEBHOOK_PATH, data=form, headers=headers)
        return response.status_code

    try:
        outcomes = {
            "own store, own token": await deliver(own_number, STORE_TOKEN),
            "own store, global token": await deliver(own_number, GLOBAL_TOKEN),
            "global store, global token": await deliver(global_number, GLOBAL_TOKEN),
            "global store, own token": await deliver(global_number, STORE_TOKEN),
        }
    finally:
        ingest.stop()

    assert outcomes == {
        "own store, own token": 200,
        "own store, global token": 403,
        "global store, global token": 200,
        "global store, own token": 403,
    }


async def test_a_patch_changes_fields_and_rewires_only_what_it_touches(
    console_api: ConsoleApi,
    twilio: TwilioStandIn,
    shop: WooCommerceStandIn,
    db: Database,
    store_id: str,
) -> None:
    number, moved_to = new_number(), new_number()
    twilio.own_number(number)
    twilio.numbers[twilio.own_number(moved_to)]["sms_url"] = "https://old-app.example/sms"
    body = onboarding(store_id, number, woocommerce=woocommerce(shop))
    assert (await post(console_api, body)).status_code == 201
    shop_calls = len(shop.requests)

    async with console_api.client() as http:
        currency = await http.patch(f"/api/stores/{store_id}", json={"currency": "MYR"})
        moved = await http.patch(f"/api/stores/{store_id}", json={"whatsapp_number": moved_to})
        unhooked = await http.patch(f"/api/stores/{store_id}", json={"woocommerce": None})
        missing = await http.patch("/api/stores/no-such-store", json={"currency": "MYR"})

    assert [step["step"] for step in currency.json()["steps"]] == ["store"]
    assert currency.json()["store"]["currency"] == "MYR"
    assert [step["step"] for step in moved.json()["steps"]] == ["twilio", "twilio", "store"]
    assert moved.json()["steps"][1]["detail"].endswith("(before: POST https://old-app.example/sms)")
    wired = twilio.number(moved_to)
    assert wired is not None
    assert wired["sms_url"] == PUBLIC_URL + WHATSAPP_WEBHOOK_PATH
    assert len(shop.requests) == shop_calls  # neither PATCH touched WooCommerce
    assert unhooked.json()["store"]["woocommerce_connected"] is False
    stored = await db[STORES].find_one({"_id": store_id})
    assert stored is not None
    assert (stored["whatsapp_number"], stored["woocommerce"]) == (moved_to, None)
    assert missing.status_code == 404


async def test_no_secret_appears_in_any_answer_or_log_line(
    captured_logs: io.StringIO,
    console_api: ConsoleApi,
    twilio: TwilioStandIn,
    shop: WooCommerceStandIn,
    db: Database,
    settings: Settings,
    store_id: str,
) -> None:
    number = new_number()
    twilio.own_number(number, account_sid=STORE_ACCOUNT)
    account = {"account_sid": STORE_ACCOUNT, "auth_token": STORE_TOKEN}
    body = onboarding(store_id, number, woocommerce=woocommerce(shop), twilio=account)
    refused = {**body, "id": f"{store_id}-b", "whatsapp_number": new_number()}
    refused["woocommerce"] = woocommerce(shop, "cs_" + "c3" * 20)  # refused by WooCommerce
    misplaced = {**body, "auth_token": STORE_TOKEN}  # a secret where no field takes it

    async with console_api.client() as http:
        answers = [
            await http.post("/api/stores", json=body),
            await http.post("/api/stores", json=body),
            await http.post("/api/stores", json=refused),
            await http.post("/api/stores", json=misplaced),
            await http.get("/api/stores"),
            await http.get(f"/api/stores/{store_id}"),
            await http.patch(f"/api/stores/{store_id}", json={"twilio": account}),
        ]

    assert [answer.status_code for answer in answers] == [201, 200, 422, 422, 200, 200, 200]
    assert answers[2].json()["detail"]["step"] == "woocommerce"
    stored = Store.model_validate(await db[STORES].find_one({"_id": store_id}))
    assert stored.woocommerce is not None
    webhook_secret = secret_box(settings).decrypt(stored.woocommerce.webhook_secret)
    secrets = [CONSUMER_KEY, CONSUMER_SECRET, "c3" * 20, STORE_TOKEN, GLOBAL_TOKEN, webhook_secret]
    logs = captured_logs.getvalue()
    assert "store onboarded" in logs  # the console's log lines were captured
    for secret in secrets:
        assert all(secret not in answer.text for answer in answers)
        assert secret not in logs


def test_balas_store_onboard_reports_each_step_and_takes_secrets_from_the_environment(
    settings: Settings, twilio: TwilioStandIn, shop: WooCommerceStandIn, store_id: str
) -> None:
    number = new_number()
    twilio.own_number(number)
    env = settings.as_environment()
    secrets = {"STORE_WOOCOMMERCE_KEY": CONSUMER_KEY, "STORE_WOOCOMMERCE_SECRET": CONSUMER_SECRET}
    command = ["store", "onboard", "--id", store_id, "--name", "Toko Budi", "--number", number]
    command += ["--woocommerce-url", shop.url]
    runner = CliRunner()

    onboarded = runner.invoke(app, command, env=env | secrets)
    again = runner.invoke(app, command, env=env)  # the store's own secrets, no prompt
    wrong = {**secrets, "STORE_WOOCOMMERCE_SECRET": "cs_wrong"}
    other = ["--id", f"{store_id}-b", "--name", "Toko Lain", "--number", new_number()]
    refused = runner.invoke(app, [*command[:2], *other, *command[-2:]], env=env | wrong)

    assert onboarded.exit_code == 0, onboarded.output
    for step in ("✓ woocommerce", "✓ twilio", "✓ webhooks", "✓ store"):
        assert step in onboarded.output
    assert f"store {store_id} created" in onboarded.output
    assert again.exit_code == 0, again.output
    assert f"store {store_id} onboarded again" in again.output
    assert refused.exit_code == 1
    assert "✗ woocommerce" in refused.output
    assert "nothing was saved" in refused.output
    wired = twilio.number(number)
    assert wired is not None
    assert wired["sms_url"] == PUBLIC_URL + WHATSAPP_WEBHOOK_PATH
    for output in (onboarded.output, again.output, refused.output):
        assert CONSUMER_SECRET not in output
        assert CONSUMER_KEY not in output


async def test_a_plugin_token_and_wordpress_site_saved_while_onboarding_runs_survive_it(
    settings: Settings, twilio: TwilioStandIn, db: Database, store_id: str
) -> None:
    number, moved_to = new_number(), new_number()
    twilio.own_number(number)
    twilio.own_number(moved_to)
    onboarding_service = StoreOnboarding(settings, db, secret_box(settings))
    await onboarding_service.onboard(
        Onboarding(id=store_id, name="Toko Budi", whatsapp_number=number)
    )
    token = PluginToken(sha256="ab" * 32, created_at=utcnow())
    site = WordPressConnection(
        site_url="https://toko-budi.example", plugin_version="1.0.0", connected_at=utcnow()
    )
    written: list[str] = []

    def meanwhile(step: Step) -> None:
        """After onboarding read the store and before it saves: the console's plugin-token and
        WordPress-connect routes write their fields (a blocking client, so it lands right here)."""
        if written:
            return
        assert settings.mongodb.uri
        with MongoClient(settings.mongodb.uri, tz_aware=True) as client:
            client[settings.mongodb.database][STORES].update_one(
                {"_id": store_id},
                {"$set": {"plugin_token": token.model_dump(), "wordpress": site.model_dump()}},
            )
        written.append(step.step)

    change = StoreChange(whatsapp_number=moved_to, currency="MYR")
    outcome = await onboarding_service.update(store_id, change, on_step=meanwhile)

    assert written == ["twilio"]
    assert [step.step for step in outcome.steps] == ["twilio", "twilio", "store"]
    stored = Store.model_validate(await db[STORES].find_one({"_id": store_id}))
    assert (stored.whatsapp_number, stored.currency) == (moved_to, "MYR")
    assert stored.plugin_token is not None
    assert stored.plugin_token.sha256 == token.sha256
    assert stored.wordpress is not None
    assert stored.wordpress.site_url == site.site_url


async def test_the_set_up_page_checks_whatsapp_and_connects_woocommerce_as_onboarding_does(
    twilio: TwilioStandIn,
    shop: WooCommerceStandIn,
    db: Database,
    sign_in: Callable[..., Awaitable[SignedIn]],
) -> None:
    owner, store_id, csrf = await sign_in(Role.OWNER)
    number = (await db[STORES].find_one({"_id": store_id}))["whatsapp_number"]  # type: ignore[index]
    setup = f"/stores/{store_id}/setup"

    outside = await owner.post(f"{setup}/whatsapp", data={"csrf_token": csrf})
    assert outside.status_code == 422
    assert f"{number} is not a phone number of the global Twilio account" in outside.text

    twilio.own_number(number)
    checked = await owner.post(f"{setup}/whatsapp", data={"csrf_token": csrf})
    assert checked.status_code == 200, checked.text
    wired = twilio.number(number)
    assert wired is not None
    assert wired["sms_url"] == PUBLIC_URL + WHATSAPP_WEBHOOK_PATH

    wrong = {"url": shop.url, "consumer_key": CONSUMER_KEY, "consumer_secret": "cs_wrong"}
    refused = await owner.post(f"{setup}/woocommerce", data={**wrong, "csrf_token": csrf})
    assert refused.status_code == 422
    assert 'data-outcome="woocommerce"' in refused.text
    assert "cs_wrong" not in refused.text  # a secret is never shown back
    right = {**wrong, "consumer_secret": CONSUMER_SECRET}
    connected = await owner.post(f"{setup}/woocommerce", data={**right, "csrf_token": csrf})
    assert connected.status_code == 200, connected.text
    assert sorted(hook["topic"] for hook in shop.webhooks.values()) == sorted(WEBHOOK_TOPICS)
    stored = Store.model_validate(await db[STORES].find_one({"_id": store_id}))
    assert stored.woocommerce is not None
    assert stored.woocommerce.url == shop.url
