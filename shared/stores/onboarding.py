"""Onboarding a store: check its WooCommerce, register the webhooks, wire (or buy) its WhatsApp
number at Twilio, save it with its secrets encrypted. The console API and `balas store onboard`
both run this; running it again for the same store changes nothing that is already right.

Every check that only reads comes before anything is changed, so a refused credential or a
number outside the Twilio account leaves no trace anywhere. Should a change itself fail (Twilio
refusing a purchase after the webhooks were registered), what was done stays and nothing is
saved; onboarding again finishes the job. Each step is reported (✓/✗) as it ends.
"""

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import structlog
from pydantic import BaseModel, SecretStr
from pymongo.errors import DuplicateKeyError

from shared.mongo import Database
from shared.routes import TWILIO_MESSAGE_PATH, public_url, woocommerce_webhook_url
from shared.secrets import EncryptedSecret, SecretBox
from shared.settings import Settings
from shared.stores.collections import STORES
from shared.stores.directory import Store, TwilioAccount, WooCommerceConnection
from shared.stores.fields import (
    NumberPurchase,
    Onboarding,
    StoreChange,
    WooCommerceInput,
)
from shared.stores.twilio_accounts import TwilioCredentials, credentials_for
from shared.stores.twilio_numbers import OwnedNumber, TwilioNumberError, TwilioNumbers
from shared.woocommerce.api import WEBHOOK_TOPICS, WooCommerceApi, WooCommerceUnreachable

log = structlog.get_logger(__name__)

T = TypeVar("T")

# ingest's routes, as Twilio and WooCommerce call them (not imported: importing ingest's modules
# would register its metrics in the console's process).


# --- what happened -------------------------------------------------------------------------


class Step(BaseModel):
    step: str  # woocommerce, webhooks, number, twilio, store
    ok: bool
    detail: str
    changed: bool = False


class OnboardingFailed(Exception):
    """A step failed; nothing was saved. `steps` ends with the failed one."""

    def __init__(self, steps: list[Step]) -> None:
        super().__init__(steps[-1].detail)
        self.steps = steps

    @property
    def step(self) -> Step:
        return self.steps[-1]


class StoreNotFound(Exception):
    pass


@dataclass(frozen=True)
class Outcome:
    store: Store
    created: bool
    steps: list[Step]


@dataclass
class _Steps:
    """The report so far; `done` adds a success, `fail` ends the run."""

    steps: list[Step] = field(default_factory=list)
    on_step: Callable[[Step], None] | None = None

    def done(self, step: str, detail: str, changed: bool = False) -> None:
        self._add(Step(step=step, ok=True, detail=detail, changed=changed))

    def fail(self, step: str, reason: str) -> OnboardingFailed:
        self._add(Step(step=step, ok=False, detail=reason))
        return OnboardingFailed(self.steps)

    def _add(self, step: Step) -> None:
        self.steps.append(step)
        if self.on_step:
            self.on_step(step)


@dataclass(frozen=True)
class _NumberWiring:
    """The Twilio account's client, and the store's number in it or the one to buy."""

    numbers: TwilioNumbers
    owned: OwnedNumber | None = None
    for_sale: str | None = None


@dataclass(frozen=True)
class _WooCommercePlan:
    url: str
    consumer_key: str
    consumer_secret: str
    webhook_secret: str


def _changes(store: Store, existing: Store | None) -> dict[str, Any]:
    """The update of the fields onboarding changed, never a whole document: the store's plugin
    token or WordPress site written while onboarding waited on Twilio or WooCommerce stays. The
    other fields are only written should the store have vanished meanwhile (upsert)."""
    document = store.model_dump(by_alias=True)
    document.pop("_id")
    held = existing.model_dump(by_alias=True) if existing else {}
    changed = {
        key: value for key, value in document.items() if key not in held or held[key] != value
    }
    update: dict[str, Any] = {"$set": changed}
    if kept := {key: value for key, value in document.items() if key not in changed}:
        update["$setOnInsert"] = kept
    return update


# --- the service ---------------------------------------------------------------------------


class StoreOnboarding:
    def __init__(self, settings: Settings, db: Database, box: SecretBox) -> None:
        self._settings = settings
        self._db = db
        self._box = box

    async def onboard(
        self, request: Onboarding, on_step: Callable[[Step], None] | None = None
    ) -> Outcome:
        """Create or update the store and check and wire everything it has."""
        return await self._run(request.id, request, creating=True, on_step=on_step)

    async def update(
        self, store_id: str, change: StoreChange, on_step: Callable[[Step], None] | None = None
    ) -> Outcome:
        """Change an existing store; only the wiring the change touches runs again."""
        return await self._run(store_id, change, creating=False, on_step=on_step)

    async def _run(
        self,
        store_id: str,
        change: StoreChange,
        *,
        creating: bool,
        on_step: Callable[[Step], None] | None,
    ) -> Outcome:
        started = time.monotonic()
        document = await self._db[STORES].find_one({"_id": store_id})
        existing = Store.model_validate(document) if document else None
        if existing is None and not creating:
            raise StoreNotFound(store_id)
        given = change.model_fields_set
        wire_woocommerce = creating or "woocommerce" in given
        wire_twilio = creating or bool(given & {"whatsapp_number", "buy_number", "twilio"})
        steps = _Steps(on_step=on_step)

        woocommerce = self._woocommerce_plan(change, existing, steps)
        twilio = self._twilio_account(change, existing, steps)
        number = change.whatsapp_number or (existing.whatsapp_number if existing else None)
        if number is None and change.buy_number is None:
            raise steps.fail("number", "give the store's WhatsApp number, or ask to buy one")
        if number and change.buy_number:  # a rerun must not buy a second number
            steps.done("number", f"the store has {number} already; nothing to buy")

        # Checks that change nothing, first.
        if number:
            await self._check_number_is_free(store_id, number, steps)
        if woocommerce and wire_woocommerce:
            await self._check_woocommerce(woocommerce, steps)
        wiring = None
        if wire_twilio:
            wiring = await self._plan_number(number, change.buy_number, twilio, steps)

        # Then the changes: WooCommerce webhooks, the number's URL at Twilio, the document.
        if woocommerce and wire_woocommerce:
            await self._ensure_webhooks(store_id, woocommerce, steps)
        if wiring is not None:
            number = await self._wire_number(wiring, steps)
        assert number is not None
        bought = wiring is not None and wiring.for_sale is not None
        store = self._store(store_id, change, existing, number, woocommerce, twilio, bought)
        await self._save(store, existing, steps)
        log.info(
            "store onboarded",
            store_id=store_id,
            created=existing is None,
            woocommerce=store.woocommerce is not None,
            twilio="store" if store.twilio else "global",
            seconds=round(time.monotonic() - started, 3),
        )
        return Outcome(store=store, created=existing is None, steps=steps.steps)

    # --- resolving what to use: given values, else the store's own ---

    def _woocommerce_plan(
        self, change: StoreChange, existing: Store | None, steps: _Steps
    ) -> _WooCommercePlan | None:
        held = existing.woocommerce if existing else None
        if "woocommerce" not in change.model_fields_set:
            given = None if held is None else WooCommerceInput(url=held.url)
        else:
            given = change.woocommerce
        if given is None:
            return None

        def secret(value: SecretStr | None, stored: EncryptedSecret | None, what: str) -> str:
            if value is not None:
                return value.get_secret_value()
            if stored is not None:
                return self._box.decrypt(stored)
            raise steps.fail("woocommerce", f"the WooCommerce {what} is required")

        return _WooCommercePlan(
            url=given.url,
            consumer_key=secret(
                given.consumer_key, held.consumer_key if held else None, "consumer key"
            ),
            consumer_secret=secret(
                given.consumer_secret, held.consumer_secret if held else None, "consumer secret"
            ),
            # Kept across reruns: WooCommerce's webhooks already sign with it.
            webhook_secret=(
                self._box.decrypt(held.webhook_secret) if held else secrets.token_urlsafe(32)
            ),
        )

    def _twilio_account(
        self, change: StoreChange, existing: Store | None, steps: _Steps
    ) -> TwilioCredentials | None:
        """The store's own account (None: the global one)."""
        held = existing.twilio if existing else None
        if "twilio" not in change.model_fields_set:
            if held is None:
                return None
            return TwilioCredentials(held.account_sid, self._box.decrypt(held.auth_token), own=True)
        if change.twilio is None:
            return None
        token = change.twilio.auth_token
        if token is not None:
            return TwilioCredentials(change.twilio.account_sid, token.get_secret_value(), own=True)
        if held is not None and held.account_sid == change.twilio.account_sid:
            return TwilioCredentials(held.account_sid, self._box.decrypt(held.auth_token), own=True)
        raise steps.fail("twilio", "the auth token of the store's Twilio account is required")

    # --- checks ---

    async def _check_number_is_free(self, store_id: str, number: str, steps: _Steps) -> None:
        other = await self._db[STORES].find_one(
            {"whatsapp_number": number, "_id": {"$ne": store_id}}, {"_id": 1}
        )
        if other is not None:
            raise steps.fail("number", f"{number} already belongs to store {other['_id']!r}")

    async def _check_woocommerce(self, plan: _WooCommercePlan, steps: _Steps) -> None:
        try:
            await self._woocommerce_api(plan).check()
        except WooCommerceUnreachable as error:
            raise steps.fail("woocommerce", error.reason) from error
        steps.done("woocommerce", f"{plan.url} accepted the REST API key")

    async def _plan_number(
        self,
        number: str | None,
        purchase: NumberPurchase | None,
        own_account: TwilioCredentials | None,
        steps: _Steps,
    ) -> _NumberWiring:
        credentials = own_account or credentials_for(None, self._settings, self._box)
        if credentials is None:
            raise steps.fail(
                "twilio",
                "no Twilio account: give the store's account SID and auth token, "
                "or set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
            )
        numbers = TwilioNumbers(self._settings, credentials)
        if number:
            owned = await self._find_number(numbers, credentials, number, steps)
            return _NumberWiring(numbers, owned=owned)
        assert purchase is not None
        return _NumberWiring(
            numbers, for_sale=await self._number_for_sale(numbers, purchase, steps)
        )

    async def _find_number(
        self, numbers: TwilioNumbers, credentials: TwilioCredentials, number: str, steps: _Steps
    ) -> OwnedNumber:
        owned = await self._twilio(numbers.find(number), steps)
        account = f"{'the store' if credentials.own else 'the global'} Twilio account"
        if owned is None:
            raise steps.fail(
                "twilio", f"{number} is not a phone number of {account} {credentials.account_sid}"
            )
        steps.done("twilio", f"{number} is in {account}")
        return owned

    async def _number_for_sale(
        self, numbers: TwilioNumbers, purchase: NumberPurchase, steps: _Steps
    ) -> str:
        area = f", area code {purchase.area_code}" if purchase.area_code else ""
        where = purchase.country + area
        offered = await self._twilio(
            numbers.first_available(purchase.country, purchase.area_code), steps
        )
        if offered is None:
            raise steps.fail("number", f"Twilio has no local number for sale in {where}")
        steps.done("number", f"{offered} is for sale ({where})")
        return offered

    # --- changes ---

    async def _ensure_webhooks(self, store_id: str, plan: _WooCommercePlan, steps: _Steps) -> None:
        delivery_url = woocommerce_webhook_url(self._settings.ingest.public_base_url, store_id)
        try:
            ids = await self._woocommerce_api(plan).ensure_webhooks(
                delivery_url, plan.webhook_secret, WEBHOOK_TOPICS
            )
        except WooCommerceUnreachable as error:
            raise steps.fail("webhooks", error.reason) from error
        steps.done("webhooks", f"{len(ids)} webhooks deliver to {delivery_url}")

    async def _wire_number(self, wiring: _NumberWiring, steps: _Steps) -> str:
        """The store's number, bought or found, posting its messages to ingest."""
        ingest = self._settings.ingest
        sms_url = public_url(ingest.public_base_url, TWILIO_MESSAGE_PATH)
        fallback_url = public_url(ingest.twilio_fallback_base_url, TWILIO_MESSAGE_PATH)
        if wiring.for_sale is not None:
            bought = await self._twilio(
                wiring.numbers.buy(wiring.for_sale, sms_url, fallback_url), steps
            )
            steps.done(
                "twilio", f"bought {bought.phone_number}; its messages go to {sms_url}", True
            )
            return bought.phone_number
        assert wiring.owned is not None
        owned = wiring.owned
        changed = await self._twilio(wiring.numbers.point_at(owned, sms_url, fallback_url), steps)
        state = "now go" if changed else "already went"
        detail = f"messages to {owned.phone_number} {state} to {sms_url}"
        if changed and owned.sms_url:  # the admin should know what no longer gets them
            detail += f" (before: {owned.sms_method} {owned.sms_url})"
        steps.done("twilio", detail, changed)
        return owned.phone_number

    async def _save(self, store: Store, existing: Store | None, steps: _Steps) -> None:
        if existing == store:
            steps.done("store", f"{store.id} unchanged")
            return
        try:
            await self._db[STORES].update_one(
                {"_id": store.id}, _changes(store, existing), upsert=True
            )
        except DuplicateKeyError:  # another store took the number meanwhile
            raise steps.fail(
                "store", f"{store.whatsapp_number} already belongs to another store"
            ) from None
        steps.done("store", f"{store.id} {'updated' if existing else 'created'}", True)

    # --- helpers ---

    def _store(
        self,
        store_id: str,
        change: StoreChange,
        existing: Store | None,
        number: str,
        woocommerce: _WooCommercePlan | None,
        twilio: TwilioCredentials | None,
        bought: bool,
    ) -> Store:
        held = existing or Store(id=store_id, name=change.name or store_id, whatsapp_number=number)
        fields: dict[str, Any] = {
            key: value
            for key, value in change.model_dump(
                include={"name", "timezone", "currency", "default_country"}
            ).items()
            if value is not None
        }
        fields["whatsapp_number"] = number
        # Only a number Balas bought may be released when the store is deleted.
        fields["number_bought"] = bought or (held.number_bought and held.whatsapp_number == number)
        fields["woocommerce"] = woocommerce and self._connection(woocommerce, held.woocommerce)
        fields["twilio"] = twilio and TwilioAccount(
            account_sid=twilio.account_sid,
            auth_token=self._encrypted(
                twilio.auth_token, held.twilio.auth_token if held.twilio else None
            ),
        )
        return held.model_copy(update=fields)

    def _connection(
        self, plan: _WooCommercePlan, held: WooCommerceConnection | None
    ) -> WooCommerceConnection:
        if held is None:
            held = WooCommerceConnection(
                url=plan.url,
                consumer_key=self._box.encrypt(plan.consumer_key),
                consumer_secret=self._box.encrypt(plan.consumer_secret),
                webhook_secret=self._box.encrypt(plan.webhook_secret),
            )
        return WooCommerceConnection(
            url=plan.url,
            consumer_key=self._encrypted(plan.consumer_key, held.consumer_key),
            consumer_secret=self._encrypted(plan.consumer_secret, held.consumer_secret),
            webhook_secret=self._encrypted(plan.webhook_secret, held.webhook_secret),
        )

    def _encrypted(self, plaintext: str, held: EncryptedSecret | None) -> EncryptedSecret:
        """The held ciphertext when it says the same: a rerun leaves the document as it was."""
        if held is not None and secrets.compare_digest(self._box.decrypt(held), plaintext):
            return held
        return self._box.encrypt(plaintext)

    def _woocommerce_api(self, plan: _WooCommercePlan) -> WooCommerceApi:
        return WooCommerceApi(
            plan.url,
            plan.consumer_key,
            plan.consumer_secret,
            timeout=self._settings.woocommerce.timeout_seconds,
            allow_private=self._settings.allow_private_urls,
        )

    async def _twilio(self, call: Awaitable[T], steps: _Steps) -> T:
        try:
            return await call
        except TwilioNumberError as error:
            raise steps.fail("twilio", str(error)) from error
