"""What an admin gives to onboard or change a store, validated before anything is called:
a slug id, an E.164 number, an IANA timezone, ISO 4217 and ISO 3166 codes, the shop's URL."""

from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, model_validator

from shared.outbound import check_url_shape


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA timezone like Asia/Jakarta") from None
    return name


def _currency(code: str) -> str:
    if pycountry.currencies.get(alpha_3=code.upper()) is None:
        raise ValueError(f"{code!r} is not an ISO 4217 currency code like IDR")
    return code.upper()


def _country(code: str) -> str:
    if len(code) != 2 or pycountry.countries.get(alpha_2=code.upper()) is None:
        raise ValueError(f"{code!r} is not an ISO 3166 country code like ID")
    return code.upper()


def _web_url(url: str) -> str:
    check_url_shape(url)  # where it may point is checked when it is called (shared/outbound.py)
    return url.rstrip("/")


StoreId = Annotated[str, Field(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")]
PhoneNumber = Annotated[str, Field(pattern=r"^\+[1-9][0-9]{7,14}$")]  # E.164
Timezone = Annotated[str, AfterValidator(_timezone)]
Currency = Annotated[str, AfterValidator(_currency)]
Country = Annotated[str, AfterValidator(_country)]
WebUrl = Annotated[str, AfterValidator(_web_url)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WooCommerceInput(_Input):
    url: WebUrl
    # Left out: the ones the store already holds (a rerun need not retype secrets).
    consumer_key: SecretStr | None = None
    consumer_secret: SecretStr | None = None


class TwilioInput(_Input):
    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$")
    auth_token: SecretStr | None = None  # left out: the one the store holds for this account


class NumberPurchase(_Input):
    country: Country
    area_code: str | None = Field(None, pattern=r"^[0-9]{1,5}$")


class StoreChange(_Input):
    """Fields to set; what is left out stays as it is. `woocommerce: null` disconnects the
    store's WooCommerce, `twilio: null` moves it to the global Twilio account."""

    name: str | None = Field(None, min_length=1, max_length=100)
    whatsapp_number: PhoneNumber | None = None
    buy_number: NumberPurchase | None = None  # only when the store has no number yet
    woocommerce: WooCommerceInput | None = None
    twilio: TwilioInput | None = None
    timezone: Timezone | None = None
    currency: Currency | None = None
    default_country: Country | None = None

    @model_validator(mode="after")
    def _one_way_to_a_number(self) -> Self:
        if self.whatsapp_number and self.buy_number:
            raise ValueError("give whatsapp_number or buy_number, not both")
        return self


class Onboarding(StoreChange):
    """A store to onboard, or to onboard again: `id` and `name` are required."""

    id: StoreId
    name: str = Field(min_length=1, max_length=100)
