"""The customer card shows each purpose's consent as the newest record has it (state, source,
time, and the wording agreed to or withdrawn with), in the console's language, to agents as
well as owners; with no record it says so."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from markupsafe import escape

from services.console.auth.users import Role
from services.console.i18n import t
from shared.consent import records
from shared.consent.records import Change, Purpose, Source, State
from shared.conversations.collections import CONVERSATIONS
from shared.mongo import Database

pytestmark = pytest.mark.slow

SignIn = Callable[..., Awaitable[Any]]  # the `sign_in` fixture of conftest.py
CUSTOMER = "+6281100000029"


async def _conversation(db: Database, store_id: str) -> str:
    conversation_id = f"{store_id}:{CUSTOMER}"
    now = datetime.now(UTC)
    await db[CONVERSATIONS].insert_one(
        {
            "_id": conversation_id,
            "store_id": store_id,
            "customer_number": CUSTOMER,
            "owner": "bot",
            "status": "open",
            "last_activity_at": now,
            "last_message": {"direction": "inbound", "text": "stop promo", "at": now},
        }
    )
    return conversation_id


@pytest.mark.parametrize(("lang", "role"), [("id", Role.AGENT), ("en", Role.OWNER)])
async def test_the_card_shows_each_purposes_newest_consent(
    db: Database, sign_in: SignIn, lang: str, role: Role
) -> None:
    client, store_id, _ = await sign_in(role=role, lang=lang)
    conversation_id = await _conversation(db, store_id)
    page = f"/stores/{store_id}/conversations/{conversation_id}"
    before = (await client.get(page)).text
    granted_at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    grant = Change(
        purposes=list(Purpose), state=State.GRANTED, source=Source.CHECKOUT, wording="Ya, boleh"
    )
    stop = Change(
        purposes=[Purpose.PROMOTIONS], state=State.WITHDRAWN, source=Source.CHAT, wording="stop"
    )
    await records.apply(db, store_id, CUSTOMER, grant, "checkout:1", granted_at)
    await records.apply(db, store_id, CUSTOMER, stop, "message:SM1", granted_at + timedelta(1))

    after = (await client.get(page)).text

    assert str(escape(t("card.no_consent", lang))) in before
    assert str(escape(t("card.no_consent", lang))) not in after
    card = after[after.index('id="card"') :]
    orders = card.index(str(escape(t("consent.purpose.order_updates", lang))))
    promotions = card.index(str(escape(t("consent.purpose.promotions", lang))))
    assert str(escape(t("consent.state.granted", lang))) in card[orders:promotions]
    assert str(escape(t("consent.source.checkout", lang))) in card[orders:promotions]
    assert "2026-12-01 09:30 UTC" in card[orders:promotions]
    assert str(escape(t("consent.state.withdrawn", lang))) in card[promotions:]
    assert str(escape(t("consent.source.chat", lang))) in card[promotions:]
    assert (
        '<q class="consent-wording" data-consent-wording>Ya, boleh</q>' in card[orders:promotions]
    )
    assert "data-consent-wording>stop</q>" in card[promotions:]  # the customer's own words
