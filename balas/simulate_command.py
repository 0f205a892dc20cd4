"""`balas simulate`: write to a store as a WhatsApp customer would (a correctly signed Twilio
webhook into ingest), then show what came of it: the bot's reply and the last hour's KPIs once
the aggregator counted both, or, while an agent owns the conversation, where the message waits."""

import asyncio
import time
from typing import Annotated, Any

import httpx
import typer
from rich.markup import escape

from balas import simulate as simulation
from balas.cli_support import cli_settings, console, with_db
from balas.kpi_commands import kpi_show
from balas.startup import console_url
from shared import mongo
from shared.conversations.collections import CONVERSATIONS, MESSAGES
from shared.events import event_id_for
from shared.identity import conversation_id
from shared.mongo import PROCESSED_EVENTS
from shared.routes import TWILIO_MESSAGE_PATH, public_url
from shared.stores.collections import STORES

POLL_SECONDS = 0.25


def simulate(
    text: Annotated[str, typer.Argument(help="What the customer writes.")],
    customer: Annotated[
        str | None, typer.Option(help="The customer's number (default: a new one each time).")
    ] = None,
    to: Annotated[
        str | None, typer.Option(metavar="NUMBER", help="The store's number (default: demo).")
    ] = None,
    ingest_url: Annotated[str | None, typer.Option(help="Where ingest listens.")] = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for the reply.")] = 60.0,
) -> None:
    """Write to a store as a WhatsApp customer, then show the bot's reply and the KPIs.

    While an agent owns the conversation (a hand-over or a take-over), the bot stays silent and
    the message waits in the console's inbox; pass that customer's --customer to write as them.
    """
    settings = cli_settings()
    customer = customer or simulation.new_customer_number()
    store_number = to or settings.demo.whatsapp_number
    form = simulation.inbound_message_form(customer=customer, store_number=store_number, text=text)
    signature = simulation.twilio_signature(
        settings.twilio.auth_token.get_secret_value(),
        public_url(settings.ingest.public_base_url, TWILIO_MESSAGE_PATH),
        form,
    )
    target = (ingest_url or f"http://{settings.ingest.host}:{settings.ingest.port}") + (
        TWILIO_MESSAGE_PATH
    )
    store_id, agent_owns = with_db(lambda db: _conversation(db, store_number, customer))
    console.print(f"customer {customer} writes to {store_number}: {escape(text)}")
    response = httpx.post(target, data=form, headers={"X-Twilio-Signature": signature})
    if response.status_code != 200:
        console.print(f"[red]ingest refused the message: {escape(_refusal(response))}[/]")
        raise typer.Exit(1)
    console.print("ingest accepted it")
    if agent_owns:
        console.print(
            "an agent owns this conversation, so the bot stays silent; the message waits in "
            f"the console's inbox: {console_url(settings)}/stores/{store_id}/inbox"
        )
        return
    deadline = time.monotonic() + wait
    reply = with_db(lambda db: _reply(db, form["MessageSid"], deadline))
    if reply is None:
        console.print(f"[red]no reply within {wait:.0f} s[/]; check the responder's log")
        raise typer.Exit(1)
    state = reply["state"] + (
        f" ({reply['not_sent_reason']})" if reply.get("not_sent_reason") else ""
    )
    console.print(f"reply, {escape(state)}: [bold]{escape(reply['text'])}[/]")
    with_db(lambda db: _counted(db, form["MessageSid"], reply["_id"], deadline))
    kpi_show(store=reply["store_id"], hours=1)


def _refusal(response: httpx.Response) -> str:
    """Ingest's reason in words: its JSON `detail`, else the status line."""
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return f"HTTP {response.status_code} {detail or response.reason_phrase}"


async def _conversation(
    db: mongo.Database, store_number: str, customer: str
) -> tuple[str | None, bool]:
    """The store's id and whether an agent owns its conversation with `customer`."""
    store = await db[STORES].find_one({"whatsapp_number": store_number}, {"_id": 1})
    if store is None:
        return None, False
    owned = {"_id": conversation_id(store["_id"], customer), "owner": "human"}
    return store["_id"], await db[CONVERSATIONS].count_documents(owned, limit=1) > 0


async def _reply(db: mongo.Database, message_sid: str, deadline: float) -> Any:
    while time.monotonic() < deadline:
        reply = await db[MESSAGES].find_one(
            {"_id": f"reply:{message_sid}", "state": {"$ne": "sending"}}
        )
        if reply:
            return reply
        await asyncio.sleep(POLL_SECONDS)
    return None


async def _counted(db: mongo.Database, message_sid: str, reply_id: str, deadline: float) -> None:
    """Until the KPI aggregator counted the message and its reply (or the deadline), so the
    figures shown include them."""
    ledger = [
        f"kpi_aggregator:{event_id_for('whatsapp.inbound', message_sid)}",
        f"kpi_aggregator:{event_id_for('messages.outbound', reply_id)}",
    ]
    while time.monotonic() < deadline:
        if await db[PROCESSED_EVENTS].count_documents({"_id": {"$in": ledger}}) == len(ledger):
            return
        await asyncio.sleep(POLL_SECONDS)
