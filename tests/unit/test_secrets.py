import pytest

from shared.secrets import EncryptedSecret, SecretBox, SecretsError, generate_key
from shared.stores.directory import Store, WooCommerceConnection

PLAINTEXT = "cs_0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(generate_key())


def test_a_secret_round_trips_through_encryption(box: SecretBox) -> None:
    assert box.decrypt(box.encrypt(PLAINTEXT)) == PLAINTEXT


def test_another_key_cannot_decrypt(box: SecretBox) -> None:
    with pytest.raises(SecretsError):
        SecretBox(generate_key()).decrypt(box.encrypt(PLAINTEXT))


def test_plaintext_is_refused_where_a_ciphertext_belongs() -> None:
    with pytest.raises(ValueError, match="Fernet token"):
        EncryptedSecret(PLAINTEXT)


def test_a_store_shows_and_serialises_ciphertext_only(box: SecretBox) -> None:
    store = Store(
        id="toko",
        name="Toko",
        whatsapp_number="+14155238886",
        woocommerce=WooCommerceConnection(
            url="https://toko.example",
            consumer_key=box.encrypt("ck_key"),
            consumer_secret=box.encrypt(PLAINTEXT),
            webhook_secret=box.encrypt("webhook-secret"),
        ),
    )

    shown = [repr(store), str(store), store.model_dump_json(), str(store.model_dump(by_alias=True))]

    assert not any(PLAINTEXT in text or "webhook-secret" in text for text in shown)
    assert "EncryptedSecret(<encrypted>)" in repr(store)
    again = Store.model_validate(store.model_dump(by_alias=True))
    assert again.woocommerce is not None
    assert box.decrypt(again.woocommerce.consumer_secret) == PLAINTEXT
