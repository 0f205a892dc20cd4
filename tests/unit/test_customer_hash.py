"""Customer hashes are keyed: without the installation's SECRETS_KEY they lead back to no number."""

import hashlib

from shared import identity
from shared.secrets import generate_key
from shared.settings import Settings

BUDI = "+6281100000001"


def test_the_hash_depends_on_the_key() -> None:
    one, other = (
        identity.customer_hash_key(generate_key()),
        identity.customer_hash_key(generate_key()),
    )

    assert identity.keyed_customer_hash(BUDI, one) != identity.keyed_customer_hash(BUDI, other)
    assert identity.keyed_customer_hash(BUDI, one) == identity.keyed_customer_hash(BUDI, one)


def test_the_installation_hashes_with_the_key_derived_from_its_secrets_key() -> None:
    secrets_key = Settings().secrets_key.get_secret_value()
    derived = identity.customer_hash_key(secrets_key)

    assert identity.customer_hash(BUDI) == identity.keyed_customer_hash(BUDI, derived)
    assert derived != secrets_key.encode()  # a key of its own, not the secrets' Fernet key


def test_the_unkeyed_sha256_of_the_number_no_longer_appears() -> None:
    unkeyed = hashlib.sha256(BUDI.encode()).hexdigest()

    assert unkeyed[:16] not in identity.customer_hash(BUDI)
    assert len(identity.customer_hash(BUDI)) == identity.CUSTOMER_HASH_DIGITS
