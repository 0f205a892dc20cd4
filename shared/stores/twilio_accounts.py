"""Which Twilio account speaks for a store: its own (kept encrypted in its document) or the global
TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN. ingest checks webhook signatures with it, the responder
sends with it, onboarding wires the store's number with it."""

from dataclasses import dataclass, field

from shared.secrets import SecretBox
from shared.settings import Settings
from shared.stores.directory import Store


@dataclass(frozen=True)
class TwilioCredentials:
    account_sid: str
    auth_token: str = field(repr=False)  # plaintext, in memory only for the call that needs it
    own: bool  # the store's own account, not the global one


def credentials_for(
    store: Store | None, settings: Settings, secrets: SecretBox
) -> TwilioCredentials | None:
    """The store's own account, else the global one; None when neither is set up."""
    if store is not None and store.twilio is not None:
        token = secrets.decrypt(store.twilio.auth_token)
        return TwilioCredentials(store.twilio.account_sid, token, own=True)
    if settings.twilio.account_sid is None:
        return None
    token = settings.twilio.auth_token.get_secret_value()
    return TwilioCredentials(settings.twilio.account_sid, token, own=False)


def webhook_token(store: Store | None, settings: Settings, secrets: SecretBox) -> str:
    """The auth token Twilio signs this store's webhooks with. The global token also signs
    webhooks when no global account SID is set (the sandbox and `balas simulate`)."""
    if store is not None and store.twilio is not None:
        return secrets.decrypt(store.twilio.auth_token)
    return settings.twilio.auth_token.get_secret_value()
