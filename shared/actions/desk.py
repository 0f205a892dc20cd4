"""The order actions' flow: a request becomes a proposal that says exactly what will be done;
only the customer's yes, in time, carries it out, once, through the WooCommerce REST API.

Identity is checked twice: on the cached order when proposing (nothing about another customer's
order is said) and on the order read live from WooCommerce when acting, with the action's limits
(the order may have changed meanwhile). A confirmed action is claimed in the ledger before
WooCommerce is called; a later attempt of the same confirmation (a redelivery, a restart after a
crash) finds the claim and, when its outcome is unknown, looks at the order as it is now rather
than writing again: a change already visible is not made twice, and the order note is only
added when the notes do not hold it yet. A failed write is told to the customer and handed
over, never retried.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import structlog
from pydantic import ValidationError

from shared.actions import intents, wording
from shared.actions.intents import ActionKind, Answer
from shared.actions.records import Entry, Ledger, Outcome, Proposal, Proposals, Stage, entry_id
from shared.actions.wording import Say
from shared.answering.commerce_tools import STATUS_LABELS, find_order, is_own_order
from shared.answering.draft import Draft
from shared.answering.wording import Phrase, hand_over_text, phrase
from shared.consumer import RetryPolicy
from shared.events import Citation, HandOverReason, OrderActionFact, utcnow
from shared.money import money
from shared.mongo import Database, Document
from shared.phones import normalise, store_country
from shared.secrets import secret_box
from shared.settings import Settings
from shared.stores.bot_settings import Language, OrderActionSettings
from shared.stores.directory import Store
from shared.woocommerce.api import WooCommerceApi, WooCommerceUnreachable
from shared.woocommerce.collections import WOOCOMMERCE_ORDERS
from shared.woocommerce.payloads import LiveOrder
from shared.woocommerce.sync import store_api

log = structlog.get_logger(__name__)

UNSHIPPED = ("pending", "on-hold", "processing")  # an address may change until it ships
PAYABLE = ("pending", "failed")  # an order awaiting payment has a payment link
OPEN = ("pending", "on-hold", "processing")  # "my order", when the customer has one such
REPEATED = "repeated"  # the outcome of a yes said again: told again, counted once
ApiFor = Callable[[Store], WooCommerceApi]


@dataclass(frozen=True)
class Request:
    """One customer message, as the order actions read it."""

    store: Store
    rules: OrderActionSettings
    conversation_id: str
    customer_number: str
    message_sid: str
    text: str
    at: datetime
    language: Language


class ActionDesk:
    def __init__(self, db: Database, api_for: ApiFor) -> None:
        self._db = db
        self._api_for = api_for
        self._proposals = Proposals(db)
        self._ledger = Ledger(db)

    async def reply(self, request: Request) -> Draft | None:
        """The bot's reply when the message is about an order action; None for any other
        message (answered as usual)."""
        if not any_enabled(request.rules):
            # the store has every action switched off: nothing is proposed or carried out, so
            # no proposal is looked up (a request is answered with the hand-over)
            return await self._start(request)
        proposal = await self._proposals.current(request.conversation_id)
        if proposal is not None and proposal.asked_by == request.message_sid:
            return self._asking(proposal, request.rules)  # the same message again: same question
        if proposal is not None and proposal.answered_by in (None, request.message_sid):
            return await self._follow_up(request, proposal)
        if proposal is not None and _yes_again(proposal, request):
            return await self._carry_out(request, proposal)  # the ledger tells what came of it
        return await self._start(request)

    # -- a new request ---------------------------------------------------------------------

    async def _start(self, request: Request) -> Draft | None:
        kind = intents.wanted_action(request.text)
        if kind is None:
            return None
        asked, address = request.text, None
        if kind is ActionKind.CHANGE_ADDRESS:  # the new address may come with the request
            asked, address = intents.split_address(request.text)
        return await self.propose(request, kind, intents.order_number_in(asked), address)

    async def propose(
        self,
        request: Request,
        kind: ActionKind,
        number: str | None,
        address: str | None = None,
    ) -> Draft:
        """The bot's answer to a request for `kind`: a hand-over when the store has not turned
        it on, a question for the order number, a refusal, or the proposal to confirm (the
        offline rules and the model's tool both come here)."""
        if not _enabled(request.rules, kind):
            reason = HandOverReason.ORDER_ACTION
            text = hand_over_text(reason, request.language, None)
            return _draft(text, kind, None, "disabled", hand_over=True)
        if number is None:
            number = await self._only_open_order(request)
        if number is None:
            return await self._ask(request, kind, Stage.ORDER, request.language)
        if address is not None and not intents.looks_like_address(address):
            address = None  # asked for again
        return await self._propose(request, kind, number, request.language, address)

    async def _only_open_order(self, request: Request) -> str | None:
        asking = normalise(request.customer_number, store_country(request.store))
        cursor = self._db[WOOCOMMERCE_ORDERS].find(
            {
                "store_id": request.store.id,
                "deleted": False,
                "billing_e164": asking,
                "status": {"$in": list(OPEN)},
            },
            {"number": 1},
        )
        found = await cursor.to_list(2)
        return str(found[0]["number"]) if asking and len(found) == 1 else None

    async def _propose(
        self,
        request: Request,
        kind: ActionKind,
        number: str,
        language: Language,
        address: str | None = None,
    ) -> Draft:
        order = await find_order(self._db, request.store.id, number)
        if order is None or not is_own_order(
            request.store, request.customer_number, order.get("billing_phone")
        ):
            await self._close(request)
            text = wording.say(language, Say.NOT_OWN, number=number)
            return _draft(text, kind, number, Outcome.REFUSED)
        number = str(order.get("number") or number)
        status = str(order.get("status") or "")
        refusal = _refusal(kind, request.rules, status, language, number)
        if (
            refusal is None
            and address
            and intents.names_another_country(address, store_country(request.store))
        ):
            refusal = _handed_over(wording.say(language, Say.ABROAD), language)
        if refusal is not None:
            await self._close(request)
            return _draft(refusal.text, kind, number, Outcome.REFUSED, refusal.hand_over)
        details = {
            "order_id": int(order["woocommerce_id"]),
            "order_number": number,
            "summary": _summary(order, language) if kind is not ActionKind.CHANGE_ADDRESS else "",
        }
        if kind is ActionKind.CHANGE_ADDRESS and address is None:
            return await self._ask(request, kind, Stage.ADDRESS, language, **details)
        address = intents.clean_address(address) if address else None
        postcode = intents.postcode_in(address) if address else None
        extra = {"address": address, "postcode": postcode}
        return await self._ask(request, kind, Stage.CONFIRM, language, **details, **extra)

    async def _ask(
        self,
        request: Request,
        kind: ActionKind,
        stage: Stage,
        language: Language,
        **details: Any,
    ) -> Draft:
        proposal = Proposal(
            conversation_id=request.conversation_id,
            store_id=request.store.id,
            kind=kind,
            stage=stage,
            language=language,
            asked_by=request.message_sid,
            created_at=request.at,
            expires_at=request.at + timedelta(minutes=request.rules.confirm_minutes),
            **details,
        )
        await self._proposals.put(proposal)
        return self._asking(proposal, request.rules)

    def _asking(self, proposal: Proposal, rules: OrderActionSettings) -> Draft:
        language, number = proposal.language, proposal.order_number or ""
        minutes = str(rules.confirm_minutes)
        if proposal.stage is Stage.ORDER:
            text = wording.say(language, Say.ASK_ORDER)
        elif proposal.stage is Stage.ADDRESS:
            text = wording.say(language, Say.ASK_ADDRESS, number=number, minutes=minutes)
        else:
            doing = wording.doing(language, proposal.kind, number, proposal.address)
            text = wording.say(
                language, Say.CONFIRM, doing=doing, summary=proposal.summary, minutes=minutes
            )
            asking = _draft(text, proposal.kind, proposal.order_number, "proposed")
            return asking.model_copy(update={"quick_replies": wording.buttons(language)})
        return _draft(text, proposal.kind, proposal.order_number, "proposed")

    async def _close(self, request: Request) -> None:
        """A refused request ends any proposal the conversation had."""
        proposal = await self._proposals.current(request.conversation_id)
        if proposal is not None and proposal.answered_by is None:
            await self._proposals.answer(proposal, Answer.OTHER, request.message_sid)

    # -- the answer to a proposal ----------------------------------------------------------

    async def _follow_up(self, request: Request, proposal: Proposal) -> Draft | None:
        said = intents.answer_of(request.text, proposal.kind)
        kind, number = proposal.kind, proposal.order_number
        if proposal.expires_at <= request.at:
            await self._proposals.answer(proposal, Answer.OTHER, request.message_sid)
            if said is Answer.YES and proposal.stage is Stage.CONFIRM:
                text = wording.say(proposal.language, Say.EXPIRED, number=number or "")
                return _draft(text, kind, number, "expired")
            return await self._start(request)
        if said is Answer.NO:
            await self._proposals.answer(proposal, said, request.message_sid)
            text = wording.say(proposal.language, Say.DECLINED, number=number or "")
            return _draft(text, kind, number, "declined")
        other_request = intents.wanted_action(request.text) not in (None, kind)
        if proposal.stage is Stage.ORDER and not other_request:
            found = intents.order_number_in(request.text)
            if found:
                return await self._propose(request, kind, found, proposal.language)
        is_address = said is Answer.OTHER and intents.looks_like_address(request.text)
        if proposal.stage is Stage.ADDRESS and is_address and number and not other_request:
            _, named = intents.split_address(request.text)  # "Alamat yang benar: Jl. ..."
            address = named or request.text
            return await self._propose(request, kind, number, proposal.language, address=address)
        if proposal.stage is Stage.CONFIRM and said is Answer.YES:
            proposal = await self._proposals.answer(proposal, said, request.message_sid)
            return await self._carry_out(request, proposal)
        await self._proposals.answer(proposal, Answer.OTHER, request.message_sid)
        return await self._start(request)  # another answer does nothing: read as usual

    # -- carrying it out, once ---------------------------------------------------------------

    async def _carry_out(self, request: Request, proposal: Proposal) -> Draft:
        assert proposal.order_id is not None  # a confirmation names its order
        assert proposal.order_number is not None
        claim = Entry(
            id=entry_id(
                request.store.id,
                request.conversation_id,
                proposal.order_id,
                proposal.kind,
                proposal.asked_by,
            ),
            store_id=request.store.id,
            conversation_id=request.conversation_id,
            order_id=proposal.order_id,
            order_number=proposal.order_number,
            kind=proposal.kind,
            requested_by=wording.partly_hidden(request.customer_number),
            confirmed_by=request.message_sid,
            address=proposal.address,
            postcode=proposal.postcode,
            created_at=utcnow(),
        )
        entry = await self._ledger.claim(claim)
        if entry.outcome is not None and entry.confirmed_by != request.message_sid:
            told = _told(entry, proposal.language, None)  # a yes said again: nothing is redone
            return told.model_copy(
                update={"order_action": _fact(entry.kind, entry.order_number, REPEATED)}
            )
        status = None
        if entry.outcome is None:
            entry, status = await self._act(request, entry)
        return _told(entry, proposal.language, status)

    async def _act(self, request: Request, entry: Entry) -> tuple[Entry, str | None]:
        """Carry out a claimed entry; the finished entry, and the order's status if it refused."""
        api = self._api_for(request.store)
        try:
            order = LiveOrder.model_validate(await api.order(entry.order_id))
        except (WooCommerceUnreachable, ValidationError) as error:
            log.warning("order action: the order could not be read", error=type(error).__name__)
            return await self._ledger.finish(entry, Outcome.FAILED, "order_unreadable"), None
        if not is_own_order(request.store, request.customer_number, order.billing.phone):
            return await self._ledger.finish(entry, Outcome.REFUSED, "not_own_order"), None
        recovering = entry.attempts > 1
        if not entry.applied and not (recovering and _visible(entry, order)):
            problem = _no_longer_allowed(entry, order, request)
            if problem is not None:
                return await self._ledger.finish(entry, Outcome.REFUSED, problem), order.status
            if entry.kind is ActionKind.PAYMENT_LINK:  # nothing to write: the link is read
                entry = await self._ledger.mark(entry, applied=True, payment_url=order.payment_url)
            else:
                try:
                    await api.update_order(entry.order_id, _changes(entry, order, request.store))
                except WooCommerceUnreachable as error:
                    # a write that got no answer may have happened: a person checks the order
                    outcome = Outcome.UNKNOWN if error.outage else Outcome.FAILED
                    return await self._ledger.finish(entry, outcome, "write_failed"), None
                entry = await self._ledger.mark(entry, applied=True)
        if entry.kind is not ActionKind.PAYMENT_LINK and not entry.noted:
            entry = await self._note(api, entry, recovering)
        return await self._ledger.finish(entry, Outcome.DONE), None

    async def _note(self, api: WooCommerceApi, entry: Entry, recovering: bool) -> Entry:
        """The order note saying Balas did it, at whose request; once, even after a crash."""
        try:
            notes = await api.order_notes(entry.order_id) if recovering else []
            if not any(entry.reference in note for note in notes):
                text = wording.note(entry.kind, entry.requested_by, entry.reference, entry.address)
                await api.add_order_note(entry.order_id, text)
        except WooCommerceUnreachable as error:  # the change stands; the audit shows no note
            log.warning("order action: the order note was not written", error=error.reason)
            return entry
        return await self._ledger.mark(entry, noted=True)


def action_api(settings: Settings) -> ApiFor:
    """A store's WooCommerce API for the order actions: one attempt per call, since a write
    that failed may have happened and is never repeated blindly."""
    box = secret_box(settings)
    once = RetryPolicy(max_attempts=1)

    def api_for(store: Store) -> WooCommerceApi:
        timeout = settings.woocommerce.timeout_seconds
        return store_api(store, box, timeout, once, settings.allow_private_urls)

    return api_for


def any_enabled(rules: OrderActionSettings) -> bool:
    return rules.cancel or rules.change_address or rules.payment_link


def _enabled(rules: OrderActionSettings, kind: ActionKind) -> bool:
    return {
        ActionKind.CANCEL: rules.cancel,
        ActionKind.CHANGE_ADDRESS: rules.change_address,
        ActionKind.PAYMENT_LINK: rules.payment_link,
    }[kind]


def _allowed_statuses(kind: ActionKind, rules: OrderActionSettings) -> tuple[str, ...]:
    if kind is ActionKind.CANCEL:
        return tuple(rules.cancel_statuses)
    return UNSHIPPED if kind is ActionKind.CHANGE_ADDRESS else PAYABLE


def status_label(status: str, language: Language) -> str:
    english, indonesian = STATUS_LABELS.get(status, (status, status))
    return indonesian if language is Language.ID else english


@dataclass(frozen=True)
class _Refusal:
    text: str
    hand_over: bool


def _handed_over(text: str, language: Language) -> _Refusal:
    return _Refusal(f"{text}\n\n{phrase(language, Phrase.TEAM_FOLLOWS)}", True)


def _refusal(
    kind: ActionKind, rules: OrderActionSettings, status: str, language: Language, number: str
) -> _Refusal | None:
    if status in _allowed_statuses(kind, rules):
        return None
    label = status_label(status, language)
    if kind is ActionKind.PAYMENT_LINK:  # nothing to do for a person: it needs no payment
        return _Refusal(wording.say(language, Say.NOT_PAYABLE, number=number, status=label), False)
    return _handed_over(
        wording.say(language, Say.NOT_ALLOWED, number=number, status=label), language
    )


def _no_longer_allowed(entry: Entry, order: LiveOrder, request: Request) -> str | None:
    """Why the action may not be done on the order as it is now; None when it may."""
    if order.status not in _allowed_statuses(entry.kind, request.rules):
        return f"status:{order.status}"
    if entry.kind is ActionKind.CHANGE_ADDRESS:
        if order.shipment is not None:
            return "shipped"
        country = store_country(request.store)
        if order.shipping.country and order.shipping.country.upper() != country:
            return "abroad"
    if entry.kind is ActionKind.PAYMENT_LINK and not order.payment_url:
        return "no_payment_link"
    return None


def _visible(entry: Entry, order: LiveOrder) -> bool:
    """Whether an earlier attempt's change already shows on the order."""
    if entry.kind is ActionKind.CANCEL:
        return order.status == "cancelled"
    if entry.kind is ActionKind.CHANGE_ADDRESS:
        return order.shipping.address_1 == entry.address
    return False


def _changes(entry: Entry, order: LiveOrder, store: Store) -> dict[str, Any]:
    if entry.kind is ActionKind.CANCEL:
        return {"status": "cancelled"}
    shipping = {"address_1": entry.address, "address_2": "", "country": store_country(store)}
    if entry.postcode:
        shipping["postcode"] = entry.postcode
    return {"shipping": shipping}


def _told(entry: Entry, language: Language, status: str | None) -> Draft:
    """What the customer learns of a finished entry."""
    number = entry.order_number
    if entry.outcome is Outcome.DONE:
        text = wording.done(language, entry.kind, number, entry.address, entry.payment_url)
        return _draft(text, entry.kind, number, entry.outcome)
    if entry.reason == "not_own_order":
        text = wording.say(language, Say.NOT_OWN, number=number)
        return _draft(text, entry.kind, number, Outcome.REFUSED)
    if entry.outcome is Outcome.REFUSED:
        label = status_label(status or (entry.reason or "").removeprefix("status:"), language)
        said = wording.say(language, Say.CHANGED, number=number, status=label)
    else:
        doing = wording.doing(language, entry.kind, number, entry.address)
        said = wording.say(language, Say.FAILED, doing=doing)
    refusal = _handed_over(said, language)
    return _draft(refusal.text, entry.kind, number, entry.outcome or Outcome.FAILED, True)


def _yes_again(proposal: Proposal, request: Request) -> bool:
    """A yes to a proposal already confirmed by an earlier message ("YA", then "ya kak")."""
    return (
        proposal.stage is Stage.CONFIRM
        and proposal.answer is Answer.YES
        and intents.answer_of(request.text, proposal.kind) is Answer.YES
    )


def _fact(kind: ActionKind, number: str | None, outcome: str) -> OrderActionFact:
    return OrderActionFact(kind=kind.value, order_number=number, outcome=str(outcome))


def _draft(
    text: str, kind: ActionKind, number: str | None, outcome: str, hand_over: bool = False
) -> Draft:
    """A reply about an order action: grounded in the order it names, handed over when a
    person must finish what the bot could not."""
    fact = _fact(kind, number, outcome)
    return Draft(
        text=text,
        hand_over=HandOverReason.ORDER_ACTION if hand_over else None,
        grounded=not hand_over,
        citations=[Citation(kind="tool", ref=f"order_action:{kind.value}", snippet=text[:200])],
        order_action=fact,
    )


def _summary(order: Document, language: Language) -> str:
    """(Rp 265.000)": the order's total, to say which order it is."""
    try:
        total = Decimal(str(order.get("total")))
    except (InvalidOperation, ValueError):
        return ""
    return f" ({money(total, str(order.get('currency') or 'IDR'), language.value)})"
