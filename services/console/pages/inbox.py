"""The inbox: the live conversation list with filters and search, and one conversation with its
messages, card and actions. Full pages for navigation, htmx partials for filters and live
refreshes (static/console.js asks for them when /stores/{id}/stream reports a change)."""

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from services.console import commands
from services.console.auth.deps import CurrentUser, StoreAccess
from services.console.auth.users import Alerts, UserDirectory
from services.console.conversations import (
    INTENTS,
    SENTIMENTS,
    InboxFilter,
    card_channel,
    conversation_messages,
    customer_name,
    elsewhere,
    find_conversation,
    inbox_counts,
    last_customer_message_at,
    list_conversations,
    mark_read,
    state_of,
    store_users,
    window_open,
)
from services.console.deps import Context
from services.console.i18n import Lang, catalogue, request_lang, t
from services.console.limits import FORM_FIELD_BYTES
from services.console.pages.formatting import money
from services.console.pages.inbox_views import clock, day_label, list_time, message_view, waited
from services.console.pages.templating import render_page, render_partial
from services.console.reply_library import load_library
from services.console.validation_text import localized
from shared.channels import WINDOWLESS, Channel
from shared.consent import records
from shared.consent.records import ConsentRecord, Purpose
from shared.conversations.email_subject import latest_email, reply_subject
from shared.identity import customer_number
from shared.mongo import Database, Document
from shared.phones import display_number
from shared.stores.directory import Store

router = APIRouter(include_in_schema=False)

ACTION_FIELDS = 10  # csrf_token, command, text, template_sid, assignee_id, and room to spare

Filters = Annotated[InboxFilter, Query()]


async def _list_values(
    request: Request, context: Context, store: Store, user_id: str, wanted: InboxFilter
) -> dict[str, Any]:
    rows = await list_conversations(context.db, store.id, user_id, wanted)
    now = datetime.now(UTC)
    lang = request_lang(request)
    return {
        "rows": rows,
        "times": {row.id: list_time(row.at, now, store.timezone, lang) for row in rows},
        "waits": {
            row.id: waited(row.waiting_since, now, lang) for row in rows if row.waiting_since
        },
        "counts": await inbox_counts(context.db, store.id, user_id),
        "filters": wanted,
        "filtered": wanted != InboxFilter(),
        "intents": INTENTS,
        "sentiments": SENTIMENTS,
        "channels": list(Channel),
        "query_string": request.url.query,
    }


@router.get("/stores/{store_id}/inbox")
async def inbox_page(
    request: Request, store: StoreAccess, user: CurrentUser, context: Context, wanted: Filters
) -> HTMLResponse:
    values = await _list_values(request, context, store, user.id, wanted)
    return await render_page(
        request,
        context.db,
        "inbox.html",
        user=user,
        store_id=store.id,
        active="inbox",
        values={**values, "open_id": None},
    )


@router.post("/stores/{store_id}/inbox/alerts")
async def save_alerts(
    request: Request, store: StoreAccess, user: CurrentUser, context: Context
) -> Response:
    """The user's own choice of a sound and a browser notification on a new hand-over."""
    form = await request.form(max_fields=4, max_files=0, max_part_size=FORM_FIELD_BYTES)
    alerts = Alerts(sound=form.get("sound") == "on", desktop=form.get("desktop") == "on")
    await UserDirectory(context.db).set_alerts(user.id, alerts)
    if not request.headers.get("HX-Request"):
        return RedirectResponse(f"/stores/{store.id}/inbox", 303)
    return render_partial(request, "inbox/_alerts.html", {"alerts": alerts, "store_id": store.id})


@router.get("/stores/{store_id}/inbox/list")
async def inbox_list(
    request: Request,
    store: StoreAccess,
    user: CurrentUser,
    context: Context,
    wanted: Filters,
    open_id: Annotated[str | None, Query(alias="open")] = None,
) -> HTMLResponse:
    values = await _list_values(request, context, store, user.id, wanted)
    return render_partial(
        request, "inbox/_list.html", {**values, "store_id": store.id, "open_id": open_id}
    )


async def _conversation(context: Context, store: Store, conversation_id: str) -> Document:
    card = await find_conversation(context.db, store.id, conversation_id)
    if card is None:
        raise HTTPException(status_code=404, detail="no such conversation")
    return card


async def _messages_values(
    context: Context, store: Store, user_id: str, card: Document, users: list[dict[str, str]]
) -> dict[str, Any]:
    names = {u["id"]: u["name"] for u in users}
    conversation_url = f"/stores/{store.id}/conversations/{card['_id']}"
    documents = await conversation_messages(context.db, card["_id"])
    messages = [message_view(document, names) for document in documents]
    if messages:
        await mark_read(context.db, user_id, card["_id"], messages[-1].at)
    return {
        "messages": messages,
        "clock": lambda moment: clock(moment, store.timezone),
        "day": lambda moment: day_label(moment, store.timezone),
        "voice_url": lambda message_id, index: (
            f"{conversation_url}/voice/{quote(message_id, safe='')}/{index}"
        ),
    }


def _order_total(lang: Lang) -> Callable[[Document], str]:
    def shown(order: Document) -> str:
        try:
            amount = Decimal(str(order.get("total")))
        except InvalidOperation:
            return str(order.get("total") or "")
        return money(amount, order.get("currency") or "", lang)

    return shown


def _order_status(lang: Lang) -> Callable[[str], str]:
    """WooCommerce's order status in the admin's words; a status a plugin added, as it is."""
    return lambda status: (
        t(f"order_status.{status}", lang) if f"order_status.{status}" in catalogue(lang) else status
    )


async def _panel_values(
    context: Context,
    store: Store,
    user_id: str,
    card: Document,
    users: list[dict[str, str]],
    lang: Lang,
) -> dict[str, Any]:
    state = state_of(card)
    channel = card_channel(card)
    can_write = channel in WINDOWLESS or window_open(
        await last_customer_message_at(context.db, card["_id"]), datetime.now(UTC)
    )
    email = await latest_email(context.db, card["_id"]) if channel is Channel.EMAIL else None
    number = card.get("customer_number") or customer_number(card["_id"])
    return {
        "card": card,
        "name": customer_name(card),
        "number": display_number(number),
        "channel": channel.value,
        "subject": reply_subject(str(email.get("subject", ""))) if email else None,
        "state": state,
        "window_open": can_write,
        "composer_key": f"{state}|{can_write}",
        "users": users,
        "me": user_id,
        "assignee": next((u for u in users if u["id"] == card.get("assignee_id")), None),
        "library": await load_library(context.db, store.id),
        "conversation_url": f"/stores/{store.id}/conversations/{card['_id']}",
        "order_total": _order_total(lang),
        "order_status": _order_status(lang),
        "consent": await _consent(context.db, store.id, card["_id"]),
        "elsewhere": await elsewhere(context.db, store.id, card),
    }


async def _consent(
    db: Database, store_id: str, conversation_id: str
) -> list[tuple[Purpose, ConsentRecord | None]]:
    """Each purpose with its newest consent record (None: never asked), for the card."""
    history = await records.history(db, store_id, customer_number(conversation_id))
    newest = records.current(history)
    return [(purpose, newest.get(purpose)) for purpose in Purpose]


@router.get("/stores/{store_id}/conversations/{conversation_id}")
async def conversation_page(
    conversation_id: str,
    request: Request,
    store: StoreAccess,
    user: CurrentUser,
    context: Context,
    wanted: Filters,
) -> HTMLResponse:
    card = await _conversation(context, store, conversation_id)
    users = await store_users(context.db, store.id)
    values = {
        **await _list_values(request, context, store, user.id, wanted),
        **await _messages_values(context, store, user.id, card, users),
        **await _panel_values(context, store, user.id, card, users, request_lang(request)),
        "open_id": conversation_id,
    }
    return await render_page(
        request,
        context.db,
        "conversation.html",
        user=user,
        store_id=store.id,
        active="inbox",
        values=values,
    )


@router.get("/stores/{store_id}/conversations/{conversation_id}/messages")
async def conversation_messages_partial(
    conversation_id: str, request: Request, store: StoreAccess, user: CurrentUser, context: Context
) -> HTMLResponse:
    card = await _conversation(context, store, conversation_id)
    users = await store_users(context.db, store.id)
    values = await _messages_values(context, store, user.id, card, users)
    return render_partial(request, "inbox/_messages.html", {**values, "card": card})


@router.get("/stores/{store_id}/conversations/{conversation_id}/panel")
async def conversation_panel(
    conversation_id: str,
    request: Request,
    store: StoreAccess,
    user: CurrentUser,
    context: Context,
    composer: str = "",
) -> HTMLResponse:
    """The header and the card; the composer too, but only when what it offers changed (its
    key), so a live refresh never wipes a reply being typed."""
    card = await _conversation(context, store, conversation_id)
    users = await store_users(context.db, store.id)
    values = await _panel_values(context, store, user.id, card, users, request_lang(request))
    values["with_composer"] = composer != values["composer_key"]
    return render_partial(request, "inbox/_panel.html", {**values, "store_id": store.id})


def _command_fields(form: FormData, library_templates: dict[str, list[str]]) -> dict[str, Any]:
    """The form's fields as the command's: a template's variables come as `var:<sid>:<name>`."""
    fields: dict[str, Any] = {"command": form.get("command")}
    text = str(form.get("text") or "").strip()
    if fields["command"] in ("reply", "note") and text:
        fields["text"] = text
    sid = str(form.get("template_sid") or "")
    if fields["command"] == "reply" and sid:
        fields["template_sid"] = sid
        names = library_templates.get(sid, [])
        fields["template_variables"] = {
            name: str(form.get(f"var:{sid}:{name}") or "") for name in names
        }
        fields.pop("text", None)
    if fields["command"] == "assign":
        fields["assignee_id"] = str(form.get("assignee_id") or "") or None
    return fields


@router.post("/stores/{store_id}/conversations/{conversation_id}/actions")
async def conversation_action(
    conversation_id: str, request: Request, store: StoreAccess, user: CurrentUser, context: Context
) -> Response:
    """One agent command from the action bar or the composer, published through
    services/console/commands.py; htmx gets the refreshed panel with the outcome."""
    lang = request_lang(request)
    card = await _conversation(context, store, conversation_id)
    library = await load_library(context.db, store.id)
    # The hidden variable fields of the templates not chosen come along too.
    variables = sum(len(template.variables) for template in library.templates)
    form = await request.form(
        max_fields=ACTION_FIELDS + variables, max_files=0, max_part_size=FORM_FIELD_BYTES
    )
    fields = _command_fields(form, {tpl.content_sid: tpl.variables for tpl in library.templates})
    flash, ok = t("actions.issued", lang), True
    try:
        command = commands.CommandFields.model_validate(fields)
        await commands.issue(context, store.id, conversation_id, user.id, command)
    except ValidationError as invalid:
        reason = " ".join(localized(error, lang) for error in invalid.errors(include_url=False))
        flash, ok = t("actions.failed", lang, reason=reason), False
    except commands.CommandRefused as refused:
        reason = t(f"delivery.reason.{refused.reason}", lang)
        flash, ok = t("actions.failed", lang, reason=reason), False
    except commands.UnknownConversation:
        raise HTTPException(status_code=404, detail="no such conversation") from None
    if not request.headers.get("HX-Request"):
        return RedirectResponse(f"/stores/{store.id}/conversations/{conversation_id}", 303)
    users = await store_users(context.db, store.id)
    values = await _panel_values(context, store, user.id, card, users, request_lang(request))
    values.update(with_composer=ok, flash=flash, flash_ok=ok, store_id=store.id)
    return render_partial(request, "inbox/_panel.html", values)
