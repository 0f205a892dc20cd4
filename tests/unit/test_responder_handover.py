"""When the bot steps aside: hand-over rules, business hours, and the bot settings' validation."""

from datetime import UTC, datetime, time

import pytest
from pydantic import ValidationError

from shared.answering.handover import (
    asks_for_a_person,
    negative_streak,
    policy_keyword,
    ungrounded_streak,
)
from shared.answering.wording import detect_language, hand_over_text
from shared.events import HandOverReason
from shared.stores.bot_settings import (
    DEFAULT_FALLBACK_REPLY,
    DEFAULT_PERSONAS,
    BotSettings,
    BusinessHours,
    HandOverRules,
    Language,
    OpeningPeriod,
    default_settings,
)
from shared.stores.directory import Store

# Monday 6 May 2024
MONDAY_0300_UTC = datetime(2024, 5, 6, 3, 0, tzinfo=UTC)  # 10:00 in Jakarta
MONDAY_1200_UTC = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)  # 19:00 in Jakarta


@pytest.mark.parametrize(
    "text",
    [
        "Saya mau bicara dengan admin",
        "mau ngobrol sama orang aja",
        "Tolong sambungkan ke CS dong",
        "bisa hubungi customer service?",
        "bukan sama bot ya, saya mau orang asli",
        "Can I talk to a human please?",
        "connect me to an agent",
        "I want a real person",
    ],
)
def test_a_customer_asking_for_a_person_is_recognised(text: str) -> None:
    assert asks_for_a_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ongkir ke Bandung berapa?",
        "minta dikirim ke alamat orang tua saya",
        "Admin, batik ukuran L ada?",
        "How long does shipping take?",
        # the number asked for, not a call to make
        "no telp CS nya what number?",
        "nomor telepon admin berapa kak?",
    ],
)
def test_ordinary_questions_are_no_request_for_a_person(text: str) -> None:
    assert not asks_for_a_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "bisa telpon cs jam berapa aja?",
        "perlu bikin live usb dlu gak sbelum hubungin cs?",
        "min ada promo ga? terus kalo mau chat admin via IG bisa kan",
        "What time can I reach customer service?",
        "Can I contact the admin through Instagram?",
    ],
)
def test_asking_when_or_how_a_person_is_reached_is_a_question(text: str) -> None:
    # the contact page answers it; handed over, "bisa telpon cs jam berapa aja?" got no hours
    assert not asks_for_a_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "Tolong sambungkan ke CS lewat WA dong",  # asks nothing: a request through a channel
        "mau ngomong sama admin aja. btw kapan buka?",  # the request is a sentence of its own
        "I want to talk to a real person, not a bot. When do you open?",
    ],
)
def test_a_request_for_a_person_beside_a_when_stays_a_request(text: str) -> None:
    assert asks_for_a_person(text)


def test_policy_keywords_match_whole_words_in_any_case() -> None:
    keywords = HandOverRules(keywords=["Refund", " lapor  polisi "]).keywords

    assert keywords == ["refund", "lapor polisi"]
    assert policy_keyword("Saya minta REFUND sekarang", keywords) == "refund"
    assert policy_keyword("Saya akan LAPOR\npolisi", keywords) == "lapor polisi"
    # an inflection is the word ("laporin" is "lapor"), another word holding it is not
    assert policy_keyword("refunded kemarin kok belum masuk", keywords) == "refund"
    assert policy_keyword("prefunding proyek", keywords) is None


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("udh gw laporin ke polisi ya", "lapor polisi"),
        ("saya merasa ditipu", "tipu"),
        ("refundnya kpn min", "refund"),
        ("kak mau retur aja", "pengembalian"),
        ("Kalau tidak diganti saya lapor ke polisi", "lapor polisi"),
    ],
)
def test_policy_keywords_match_chat_and_affixed_forms(text: str, keyword: str) -> None:
    keywords = ["lapor polisi", "tipu", "refund", "pengembalian"]

    assert policy_keyword(text, keywords) == keyword


def test_a_chat_request_for_a_person_is_recognised_once_normalised() -> None:
    assert asks_for_a_person("mo ngmg sm admin aja")
    assert not asks_for_a_person("brg udh nyampe min, makasih")


def test_a_negative_streak_counts_the_latest_labelled_messages() -> None:
    assert negative_streak(["negative", "negative", "negative", "neutral"], 3)
    assert not negative_streak(["negative", "neutral", "negative", "negative"], 3)
    assert not negative_streak(["negative", "negative"], 3)  # not enough messages yet
    assert not negative_streak(["negative"] * 5, 0)  # the rule is off


def test_a_message_not_labelled_yet_is_skipped_for_the_streak() -> None:
    assert negative_streak([None, "negative", "negative"], 2)
    assert not negative_streak(["negative", None, "negative"], 2)


def test_the_ungrounded_streak_hands_over_at_the_nth_reply_citing_nothing() -> None:
    assert ungrounded_streak(earlier=2, grounded_now=False, streak=3)
    assert not ungrounded_streak(earlier=1, grounded_now=False, streak=3)
    assert not ungrounded_streak(earlier=5, grounded_now=True, streak=3)
    assert not ungrounded_streak(earlier=5, grounded_now=False, streak=0)


# -- wording ---------------------------------------------------------------------------------


def test_the_customers_language_is_told_by_its_words() -> None:
    assert detect_language("Kak, ongkir ke Bandung berapa ya?", Language.EN) is Language.ID
    assert detect_language("How long does shipping take?", Language.ID) is Language.EN
    assert detect_language("👍", Language.EN) is Language.EN


def test_a_hand_over_says_the_stores_fallback_or_a_built_in_text() -> None:
    built_in = hand_over_text(HandOverReason.CUSTOMER_REQUEST, Language.EN, None)

    assert "person" in built_in
    assert hand_over_text(HandOverReason.POLICY, Language.ID, "Admin kami segera membalas.") == (
        "Admin kami segera membalas."
    )


# -- business hours --------------------------------------------------------------------------


def weekday_hours(**fields: object) -> BusinessHours:
    return BusinessHours.model_validate(
        {"enabled": True, "days": {"monday": [{"start": "09:00", "end": "17:00"}]}, **fields}
    )


def test_business_hours_are_read_in_the_stores_timezone() -> None:
    hours = weekday_hours()

    assert hours.is_open(MONDAY_0300_UTC, "Asia/Jakarta")
    assert not hours.is_open(MONDAY_1200_UTC, "Asia/Jakarta")
    assert not hours.is_open(MONDAY_0300_UTC, "America/New_York")  # Sunday night there


def test_the_hours_own_timezone_wins_over_the_stores() -> None:
    assert weekday_hours(timezone="UTC").is_open(MONDAY_1200_UTC, "Asia/Jakarta")


def test_a_day_without_periods_is_closed_and_disabled_hours_are_always_open() -> None:
    sunday = datetime(2024, 5, 5, 3, 0, tzinfo=UTC)

    assert not weekday_hours().is_open(sunday, "Asia/Jakarta")
    assert BusinessHours().is_open(sunday, "Asia/Jakarta")


def test_the_end_of_a_period_is_no_longer_open() -> None:
    period = OpeningPeriod(start=time(9), end=time(17))

    assert period.holds(time(9))
    assert not period.holds(time(17))


# -- validation ------------------------------------------------------------------------------


def field_errors(error: ValidationError) -> dict[tuple[str | int, ...], str]:
    return {tuple(item["loc"]): item["msg"] for item in error.errors()}


def test_a_period_ending_before_it_starts_is_refused_with_its_field() -> None:
    with pytest.raises(ValidationError) as refused:
        BotSettings.model_validate(
            {"business_hours": {"days": {"friday": [{"start": "17:00", "end": "09:00"}]}}}
        )

    errors = field_errors(refused.value)
    assert list(errors) == [("business_hours", "days", "friday", 0)]
    assert "must be after start" in errors[("business_hours", "days", "friday", 0)]


def test_an_unknown_timezone_and_overlapping_periods_are_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        BotSettings.model_validate(
            {
                "business_hours": {
                    "timezone": "Asia/Atlantis",
                    "days": {
                        "monday": [
                            {"start": "09:00", "end": "13:00"},
                            {"start": "12:00", "end": "17:00"},
                        ]
                    },
                }
            }
        )

    errors = field_errors(refused.value)
    assert "unknown timezone" in errors[("business_hours", "timezone")]
    assert "overlap" in errors[("business_hours", "days")]


def test_unknown_fields_tones_and_languages_are_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        BotSettings.model_validate({"tone": "sarcastic", "default_language": "fr", "colour": 1})

    assert set(field_errors(refused.value)) == {("tone",), ("default_language",), ("colour",)}


@pytest.mark.parametrize(
    ("country", "language", "opening"),
    [("ID", Language.ID, "Kamu adalah asisten"), ("US", Language.EN, "You are the friendly")],
)
def test_a_new_stores_bot_starts_in_the_stores_language(
    country: str, language: Language, opening: str
) -> None:
    new_store = Store(id="s", name="Toko", whatsapp_number="+1", default_country=country)

    settings = default_settings(new_store)

    assert settings.default_language is language
    assert settings.persona.startswith(opening)
    assert settings.rendered_persona("Toko Sari").count("Toko Sari") == 1


def test_a_store_without_saved_settings_keeps_its_own_prompt_and_fallback() -> None:
    plain = Store(id="s", name="Toko", whatsapp_number="+1")
    custom = Store(
        id="s",
        name="Toko",
        whatsapp_number="+1",
        system_prompt="Jawab singkat.",
        fallback_reply="Nanti ya",
    )

    assert default_settings(plain).persona == DEFAULT_PERSONAS[Language.ID]
    assert plain.fallback_reply == DEFAULT_FALLBACK_REPLY
    assert default_settings(plain).fallback_reply is None  # the built-in, per language
    assert default_settings(custom).persona == "Jawab singkat."
    assert default_settings(custom).fallback_reply == "Nanti ya"


def test_a_blank_greeting_or_fallback_is_none() -> None:
    settings = BotSettings(greeting="  ", fallback_reply="")

    assert settings.greeting is None
    assert settings.fallback_reply is None
