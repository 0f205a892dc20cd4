"""The conversation card keeps the latest order action a reply was about (docs/actions.md)."""

from services.enricher.cards import newest_state
from shared.events import OrderActionFact
from tests.support.events import MakeReplySent


def test_a_reply_about_an_order_action_puts_it_on_the_card(
    make_reply_sent: MakeReplySent,
) -> None:
    plain = make_reply_sent(response_seconds=1.0)
    acted = plain.model_copy(
        update={"order_action": OrderActionFact(kind="cancel", order_number="1234", outcome="done")}
    )

    assert "last_order_action" not in newest_state(plain)  # an ordinary reply leaves it be
    assert newest_state(acted)["last_order_action"] == {
        "kind": "cancel",
        "order_number": "1234",
        "outcome": "done",
    }
