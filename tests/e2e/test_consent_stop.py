"""A customer's "BERHENTI" through ingest, Kafka, the responder and Twilio: every purpose is
withdrawn, one confirmation goes out in the store's words, and the model is never asked."""

import pytest

from shared import mongo
from shared.answering.wording import PHRASES, Phrase
from shared.consent.collections import CONSENT_EVENTS
from shared.consent.records import Purpose, State, may_contact
from shared.stores.bot_settings import Language
from shared.stores.directory import Store
from tests.standins.openai_api import OpenAIStandIn
from tests.standins.twilio_api import TwilioStandIn
from tests.support.events import new_customer
from tests.support.system import RunningSystem, Webhooks
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


async def test_berhenti_withdraws_everything_and_is_confirmed_once_without_the_model(
    system: RunningSystem,
    system_db: mongo.Database,
    store: Store,
    webhooks: Webhooks,
    openai_api: OpenAIStandIn,
    twilio_api: TwilioStandIn,
) -> None:
    customer = new_customer()

    response = await webhooks.message(store, customer, "BERHENTI")

    assert response.status_code == 200
    sent = await eventually(lambda: twilio_api.sent_to(customer))
    assert [message["body"] for message in sent] == [PHRASES[Language.ID][Phrase.CONSENT_WITHDRAWN]]
    withdrawn = await system_db[CONSENT_EVENTS].distinct(
        "purpose", {"phone": customer, "state": State.WITHDRAWN.value}
    )
    assert sorted(withdrawn) == sorted(purpose.value for purpose in Purpose)
    for purpose in Purpose:
        assert not await may_contact(system_db, store.id, customer, purpose)
    assert openai_api.requests_mentioning("BERHENTI") == []
