"""A customer's WhatsApp message as ingest turns Twilio's webhook form into an event, for tests
that drive the responder with what a real store would receive."""

from balas.simulate import inbound_message_form
from services.ingest.twilio_forms import message_received, parse_inbound
from shared.events import MessageReceived
from shared.stores.directory import Store


def customer_says(
    store: Store, customer: str, text: str, profile_name: str = "Pelanggan Demo"
) -> MessageReceived:
    """`customer` (named `profile_name` on WhatsApp) writes `text` to `store`'s number."""
    form = inbound_message_form(
        customer=customer,
        store_number=store.whatsapp_number,
        text=text,
        profile_name=profile_name,
    )
    return message_received(parse_inbound(form), store)
