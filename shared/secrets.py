"""Store secrets encrypted at rest: Fernet (AES-128-CBC + HMAC-SHA256, authenticated) keyed by
SECRETS_KEY. Documents hold `EncryptedSecret` ciphertext only; plaintext exists in memory for
the moment it is used, and is never logged, repr'd or serialised.
"""

from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from shared.settings import Settings

FERNET_TOKEN_PREFIX = "gAAAAA"  # version byte 0x80 and a timestamp, base64: every Fernet token


class SecretsError(Exception):
    """A ciphertext could not be decrypted: another SECRETS_KEY, or it was tampered with."""


class EncryptedSecret:
    """A Fernet token. Serialises to the token string; its repr shows nothing of it."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        if not token.startswith(FERNET_TOKEN_PREFIX):
            raise ValueError("not a Fernet token: store secrets are kept encrypted only")
        self.token = token

    def __repr__(self) -> str:
        return "EncryptedSecret(<encrypted>)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EncryptedSecret) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        from_token = core_schema.no_info_after_validator_function(cls, core_schema.str_schema())
        return core_schema.json_or_python_schema(
            json_schema=from_token,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_token]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.token),
        )


class SecretBox:
    """Encrypts and decrypts store secrets with one key."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def __repr__(self) -> str:
        return "SecretBox(<key>)"

    def encrypt(self, plaintext: str) -> EncryptedSecret:
        return EncryptedSecret(self._fernet.encrypt(plaintext.encode()).decode())

    def decrypt(self, secret: EncryptedSecret) -> str:
        try:
            return self._fernet.decrypt(secret.token.encode()).decode()
        except InvalidToken as error:
            reason = "cannot decrypt a store secret: is SECRETS_KEY the right key?"
            raise SecretsError(reason) from error


def secret_box(settings: Settings) -> SecretBox:
    return SecretBox(settings.secrets_key.get_secret_value())


def generate_key() -> str:
    """A fresh SECRETS_KEY."""
    return Fernet.generate_key().decode()
