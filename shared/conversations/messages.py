"""The stored form of a customer message, shared by the services that may write it first.

The responder records the message (`_id` = MessageSid); the enricher adds its labels, possibly
before the responder got to it. Both start the document from this function, so whichever comes
first writes the whole message and the other's write finds it complete.
"""

from shared.events import MessageReceived
from shared.mongo import Document


def inbound_message_document(event: MessageReceived) -> Document:
    document = {
        "_id": event.message_sid,
        "store_id": event.store_id,
        "conversation_id": event.conversation_id,
        "direction": "inbound",
        "author": "customer",
        "text": event.text,
        "media": [media.model_dump() for media in event.media],
        "created_at": event.occurred_at,
        # an e-mail's subject and thread, which its answer continues
        **(
            {"subject": event.subject, "references": event.references}
            if event.subject is not None
            else {}
        ),
    }
    if event.reaction_to is not None:
        document["reaction_to"] = event.reaction_to
    return document
