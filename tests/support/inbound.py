"""A customer's WhatsApp message as ingest turns Twilio's webhook form into an event, for tests
that drive the responder with what a real store would receive."""

from balas.simulate import inbound_message_form
from services.ingest.twilio_forms import message_received, parse_inbound
from shared.events import MessageReceived
from shared.stores.directory import Store


def customer_says(
    store: Store,
    customer: str,
    text: str,
    *media: tuple[str, str],
    profile_name: str = "Pelanggan Demo",
) -> MessageReceived:
    """`customer` (named `profile_name` on WhatsApp) writes `text` to `store`'s number, with
    `media` attached as (URL, content type) pairs."""
    form = inbound_message_form(
        customer=customer,
        store_number=store.whatsapp_number,
        text=text,
        profile_name=profile_name,
    )
    form["NumMedia"] = str(len(media))
    for index, (url, content_type) in enumerate(media):
        form[f"MediaUrl{index}"] = url
        form[f"MediaContentType{index}"] = content_type
    return message_received(parse_inbound(form), store)
