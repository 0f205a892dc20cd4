"""Undoing a store's onboarding outside Balas, before its data is deleted: its webhooks at
WooCommerce are deleted, and its WhatsApp number no longer posts to Balas at Twilio (or is
released, when Balas bought it and the admin asks). Every step is idempotent: a rerun finds
nothing left to undo and changes nothing."""

from collections.abc import Awaitable, Callable

from shared.routes import WOOCOMMERCE_PATH
from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores.directory import Store
from shared.stores.onboarding import Step
from shared.stores.twilio_accounts import credentials_for
from shared.stores.twilio_numbers import TwilioNumberError, TwilioNumbers
from shared.woocommerce.api import WooCommerceApi, WooCommerceUnreachable


class UnwiringFailed(Exception):
    """WooCommerce or Twilio refused or could not be reached; `step` says which and why."""

    def __init__(self, step: Step) -> None:
        super().__init__(step.detail)
        self.step = step


class StoreUnwiring:
    def __init__(self, settings: Settings, box: SecretBox) -> None:
        self._settings = settings
        self._box = box

    async def unwire(
        self, store: Store, release_number: bool, on_step: Callable[[Step], None]
    ) -> list[Step]:
        """The steps done, each reported as it ends; raises UnwiringFailed at the first
        failure (what was undone before it stays undone)."""
        steps: list[Step] = []
        remaining: list[Callable[[], Awaitable[Step]]] = [
            lambda: self._webhooks(store),
            lambda: self._number(store, release_number),
        ]
        for step in remaining:
            done = await step()
            on_step(done)
            if not done.ok:
                raise UnwiringFailed(done)
            steps.append(done)
        return steps

    async def _webhooks(self, store: Store) -> Step:
        connection = store.woocommerce
        if connection is None:
            return Step(step="webhooks", ok=True, detail="no WooCommerce connected")
        api = WooCommerceApi(
            connection.url,
            self._box.decrypt(connection.consumer_key),
            self._box.decrypt(connection.consumer_secret),
            timeout=self._settings.woocommerce.timeout_seconds,
            allow_private=self._settings.allow_private_urls,
        )
        try:
            removed = await api.remove_webhooks(WOOCOMMERCE_PATH.format(store_id=store.id))
        except WooCommerceUnreachable as error:
            return Step(step="webhooks", ok=False, detail=error.reason)
        detail = f"{removed} webhooks deleted at {connection.url}"
        return Step(step="webhooks", ok=True, detail=detail, changed=bool(removed))

    async def _number(self, store: Store, release_number: bool) -> Step:
        number = store.whatsapp_number
        credentials = credentials_for(store, self._settings, self._box)
        if credentials is None:
            return Step(step="twilio", ok=True, detail="no Twilio account: nothing to reset")
        numbers = TwilioNumbers(self._settings, credentials)
        try:
            owned = await numbers.find(number)
            if owned is None:
                detail = f"{number} is not in Twilio account {credentials.account_sid}"
                return Step(step="twilio", ok=True, detail=detail + ": nothing to reset")
            if release_number:
                await numbers.release(owned)
                return Step(step="twilio", ok=True, detail=f"{number} released", changed=True)
            changed = await numbers.detach(owned)
        except TwilioNumberError as error:
            return Step(step="twilio", ok=False, detail=str(error))
        state = "no longer post" if changed else "already did not post"
        detail = f"messages to {number} {state} to Balas"
        return Step(step="twilio", ok=True, detail=detail, changed=changed)
