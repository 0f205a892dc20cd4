"""How the bot answers one customer message; the responder and `balas ask` both come here.

1. Hand-over rules that need no model: the customer asks for a person, a policy keyword, a
   streak of negative messages, or outside business hours when the bot should not answer then.
2. The message is read as its parts (message_parts.py): each question is looked up on its own;
   thanks, greetings and complaints are answered in kind and never become knowledge gaps.
3. The answer: with an LLM, the passages of every question and the commerce tools go to the
   model, which ends by calling `answer` (reply, cited ids, whether it could answer, what it
   could not); its reply is checked (reply_check.py) and written again once, else composed
   offline. Without one, each question's answer is composed from its passages (compose.py),
   in the customer's order, and only the questions without one are handed over.
4. Guardrails on the reply, then the streak of replies that cited nothing, then the
   outside-hours note and the greeting (never in front of an apology or a hand-over).
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import structlog
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage
from pydantic import BaseModel, Field, ValidationError

from shared.actions.desk import ActionDesk, action_api, any_enabled
from shared.actions.desk import Request as ActionRequest
from shared.actions.intents import ActionKind
from shared.answering import handover, prompting, reply_check
from shared.answering.commerce_tools import (
    CommerceTools,
    ToolResult,
    asks_about_the_order,
    find_order_numbers,
    others_orders_only,
)
from shared.answering.compose import PARAGRAPH_JOINT, compose, fitted
from shared.answering.draft import WHATSAPP_MAX_CHARS, Draft, fit_for_whatsapp
from shared.answering.follow_ups import FollowUp
from shared.answering.guardrails import Allowed, check_reply, domain_of
from shared.answering.message_parts import Part, is_elliptic, is_upset, parts_of, questions_of
from shared.answering.metrics import ANSWERS, GUARDRAIL_REPLACEMENTS
from shared.answering.model import ChatModel, ToolSpec
from shared.answering.product_cards import MAX_CARDS, asks_to_see, cards_of, shows_any
from shared.answering.small_talk import Kind
from shared.answering.wording import (
    Phrase,
    address,
    detect_language,
    hand_over_text,
    part_language,
    phrase,
)
from shared.events import Citation, HandOverReason, LlmUsage
from shared.knowledge.embeddings import embedder_from
from shared.knowledge.retrieval import Passage, Retriever
from shared.mongo import Database
from shared.settings import Settings
from shared.stores.bot_settings import BotSettings, Language
from shared.stores.directory import Store
from shared.woocommerce.sync import cache_max_age

log = structlog.get_logger(__name__)

PASSAGES = 5  # retrieved per question of a message
TOOL_ROUNDS = 3  # model turns at most; the last one must answer
ORDER_LOOKUPS = 2  # order numbers looked up per message offline
SNIPPET_CHARS = 200
# Cached WooCommerce data older than its bound is still answered, marked "as of" its last sync.
# The bound is what reconciliation guarantees; with reconciliation off, webhooks alone keep the
# cache fresh, and a day-old entry is worth the warning.
WEBHOOKS_ONLY_MAX_AGE = timedelta(hours=24)


@dataclass(frozen=True)
class Question:
    """One customer message and what the rules need to know about its conversation."""

    store: Store
    settings: BotSettings
    text: str
    asked_at: datetime
    history: Sequence[Mapping[str, Any]]  # oldest first, ending with this message
    profile_name: str | None = None
    customer_number: str | None = None  # None in the sandbox: no order look-ups
    new_conversation: bool = False
    ungrounded_before: int = 0  # the bot's latest replies in a row that cited nothing
    conversation_id: str | None = None  # None in the sandbox: no order actions
    message_sid: str | None = None
    sentiments: Sequence[str | None] = ()  # the customer's latest labels, newest first

    @property
    def upset(self) -> bool:
        """A complaint, in this message's words or its label: acknowledged, never greeted."""
        return (
            is_upset(self.text)
            or any(part.kind is Kind.COMPLAINT for part in parts_of(self.text))
            or (bool(self.sentiments) and self.sentiments[0] == "negative")
        )


class AnswerCall(BaseModel):
    """Your reply to the customer. Call this exactly once, last."""

    reply: str = Field(description="The WhatsApp message to send to the customer.")
    cited_ids: list[str] = Field(
        default_factory=list,
        description="Ids of the passages (P1, ...) and tool results (T1, ...) the reply uses.",
    )
    could_answer: bool = Field(
        True,
        description="False when the passages and tool results do not hold what the customer "
        "asked, so a person must take over.",
    )
    unanswered: list[str] = Field(
        default_factory=list,
        description="The customer's questions, in their words, that the passages and tool "
        "results do not answer; a person follows them up.",
    )


class OrderStatusCall(BaseModel):
    """Look up the status of one of this customer's orders by its number."""

    order_number: str = Field(max_length=40, description="The order number, e.g. 1042.")


class OrderActionCall(BaseModel):
    """Propose an action on one of this customer's orders when they ask for it: cancel it,
    change its shipping address, or send its payment link again. Nothing is done now: the
    customer is told exactly what will be done and must confirm with YES; your reply is
    replaced by that proposal."""

    action: Literal["cancel", "change_address", "payment_link"]
    order_number: str | None = Field(
        None, max_length=40, description="The order number, if the customer gave one."
    )
    new_address: str | None = Field(
        None, max_length=300, description="The new shipping address, if the customer gave it."
    )


class SearchProductsCall(BaseModel):
    """Search the store's products: names, prices, stock."""

    query: str = Field(max_length=200, description="What the customer is looking for.")


class ShowProductsCall(BaseModel):
    """Send the customer the photo, price, stock and link of the store's products matching the
    query (at most three), with your reply."""

    query: str = Field(max_length=200, description="The product the customer wants to see.")


def _tool_spec(name: str, model: type[BaseModel]) -> ToolSpec:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": model.__doc__ or name,
            "parameters": model.model_json_schema(),
        },
    }


ANSWER_SPEC = _tool_spec(prompting.ANSWER_TOOL, AnswerCall)
ORDER_STATUS_SPEC = _tool_spec(prompting.ORDER_STATUS_TOOL, OrderStatusCall)
SEARCH_PRODUCTS_SPEC = _tool_spec(prompting.SEARCH_PRODUCTS_TOOL, SearchProductsCall)
SHOW_PRODUCTS_SPEC = _tool_spec(prompting.SHOW_PRODUCTS_TOOL, ShowProductsCall)
ORDER_ACTION_SPEC = _tool_spec(prompting.ORDER_ACTION_TOOL, OrderActionCall)


@dataclass
class Facts:
    """What an answer drew on: passages by label, tool results by label, and failures."""

    passages: dict[str, Passage] = field(default_factory=dict)
    tools: dict[str, ToolResult] = field(default_factory=dict)
    tool_failed: bool = False
    shown: list[ToolResult] = field(default_factory=list)  # searches whose products are shown
    action: Draft | None = None  # an order action's proposal: the reply, word for word

    def add_passages(self, passages: Sequence[Passage]) -> list[str]:
        """Labels for `passages`, new ones numbered after those already held."""
        held = {passage.chunk_id: label for label, passage in self.passages.items()}
        labels = []
        for passage in passages:
            if passage.chunk_id not in held:
                held[passage.chunk_id] = f"P{len(self.passages) + 1}"
                self.passages[held[passage.chunk_id]] = passage
            labels.append(held[passage.chunk_id])
        return labels

    def add_tool(self, result: ToolResult) -> str:
        label = f"T{len(self.tools) + 1}"
        self.tools[label] = result
        return label

    def citations(self, cited: Sequence[str]) -> list[Citation]:
        """The cited passages that were retrieved (others are dropped), then every tool result."""
        chosen = [label for label in dict.fromkeys(cited) if label in self.passages]
        found = [passage_citation(self.passages[label]) for label in chosen]
        return found + [tool_citation(result) for result in self.tools.values()]

    def reference(self) -> str:
        texts = [passage.text for passage in self.passages.values()]
        for result in self.tools.values():
            texts += [result.summary, json.dumps(result.data, ensure_ascii=False, default=str)]
        return "\n".join(texts)


def passage_citation(passage: Passage) -> Citation:
    return Citation(
        kind="passage",
        ref=passage.chunk_id,
        document_id=passage.document_id,
        filename=passage.filename,
        locator=passage.locator,
        snippet=passage.text[:SNIPPET_CHARS],
    )


def tool_citation(result: ToolResult) -> Citation:
    return Citation(kind="tool", ref=result.tool, snippet=result.summary[:SNIPPET_CHARS])


class Answerer:
    def __init__(
        self,
        retriever: Retriever,
        chat: ChatModel | None,
        tools: CommerceTools | None,
        actions: ActionDesk | None = None,
    ) -> None:
        self._retriever = retriever
        self._chat = chat
        self._tools = tools
        self._actions = actions

    async def answer(self, question: Question) -> Draft:
        settings = question.settings
        language = _customer_language(question)
        hours = settings.business_hours
        open_now = hours.is_open(question.asked_at, question.store.timezone)
        reason = self._rule_hand_over(question)
        engine = "rule"
        if reason is not None:
            text = hand_over_text(reason, language, settings.fallback_reply)
            draft = Draft(text=text, hand_over=reason)
        elif not open_now and not hours.answer_outside_hours:
            draft = Draft(text="", hand_over=HandOverReason.OUTSIDE_HOURS)
        else:
            facts = Facts()
            if self._chat is None:
                engine = "offline"
                draft = await self._offline(question, language, facts)
            else:
                engine = "llm"
                try:
                    draft = await self._with_model(self._chat, question, language, facts)
                except Exception as error:
                    # A customer waits on WhatsApp: an unreachable model must not leave them
                    # unanswered (retries would take minutes, then dead-letter the message).
                    log.warning("LLM failed; answering offline", error=type(error).__name__)
                    engine, facts = "offline_fallback", Facts()
                    draft = await self._offline(question, language, facts)
                    if not draft.grounded and draft.hand_over is None:
                        draft = _handing_over(draft, HandOverReason.TOOL_FAILURE, language)
            draft = self._after_answer(draft, language, question, facts)
            draft = _with_cards(draft, facts, language)
        ANSWERS.labels(engine, str(draft.grounded).lower()).inc()
        if not open_now:
            note = hours.outside_hours_message or phrase(language, Phrase.OUTSIDE_HOURS)
            draft = draft.model_copy(
                update={
                    "text": _paragraphs(draft.text, note),
                    "hand_over": draft.hand_over or HandOverReason.OUTSIDE_HOURS,
                }
            )
        opens_with_an_answer = draft.hand_over is None or draft.grounded
        if (
            question.new_conversation
            and settings.greeting
            and opens_with_an_answer
            and not question.upset
        ):
            joiner = " " if settings.greeting_placement == "prepend" else "\n"
            draft = draft.model_copy(update={"text": f"{settings.greeting}{joiner}{draft.text}"})
        return draft.model_copy(update={"text": fit_for_whatsapp(draft.text)})

    def forget_store(self, store_id: str) -> None:
        """A deleted store's knowledge leaves memory (a store made again under its id must
        not answer from it)."""
        self._retriever.forget(store_id)

    def _rule_hand_over(self, question: Question) -> HandOverReason | None:
        rules = question.settings.hand_over
        if rules.customer_request and handover.asks_for_a_person(question.text):
            return HandOverReason.CUSTOMER_REQUEST
        if handover.policy_keyword(question.text, rules.keywords):
            return HandOverReason.POLICY
        if handover.negative_streak(question.sentiments, rules.negative_sentiment_streak):
            return HandOverReason.NEGATIVE_SENTIMENT
        return None

    async def _passages(self, store_id: str, asked: str, facts: Facts) -> list[Passage]:
        passages = await self._retriever.search(store_id, asked, k=PASSAGES)
        facts.add_passages(passages)
        return passages

    # -- with a model ------------------------------------------------------------------------

    async def _with_model(
        self, chat: ChatModel, question: Question, language: Language, facts: Facts
    ) -> Draft:
        questions = questions_of(question.text)
        for asked in questions or [question.text]:
            await self._passages(question.store.id, asked, facts)
        passages = list(facts.passages.values())
        specs = self._offered_tools(question)
        prompt = prompting.build_prompt(
            question.store.name,
            question.settings,
            question.history or [{"direction": "inbound", "text": question.text}],
            question.profile_name,
            passages,
            tools=[spec["function"]["name"] for spec in specs],
        )
        messages: list[BaseMessage] = list(prompt.messages)
        usage: LlmUsage | None = None
        message = AIMessage("")
        for round_ in range(TOOL_ROUNDS):
            last = round_ == TOOL_ROUNDS - 1
            choice = prompting.ANSWER_TOOL if last else "required"
            turn = await chat.respond(messages, [*specs, ANSWER_SPEC], choice)
            usage = _added(usage, turn.usage)
            message = turn.message
            calls = message.tool_calls
            if not calls or any(call["name"] == prompting.ANSWER_TOOL for call in calls):
                break
            messages.append(message)
            for call in calls:
                content = await self._run_tool(call["name"], call["args"], question, facts)
                messages.append(ToolMessage(content=content, tool_call_id=call["id"] or ""))
        if facts.action is not None:  # what the customer confirms is the desk's text, exactly
            return facts.action.model_copy(update={"llm": usage})
        answer = final_answer(message)
        if answer is None:  # the model never answered: say so and let a person take over
            reason = HandOverReason.TOOL_FAILURE
            text = hand_over_text(reason, language, question.settings.fallback_reply)
            return Draft(text=text, hand_over=reason, llm=usage)
        draft = self._drafted(answer, usage, prompt.instructions, question, language, facts)
        wrong = _problems(draft, answer, language, questions)
        if wrong:  # once more, told what to mend
            messages += _rejection(message, wrong)
            turn = await chat.respond(messages, [*specs, ANSWER_SPEC], prompting.ANSWER_TOOL)
            usage = _added(usage, turn.usage)
            answer = final_answer(turn.message)
            if answer is not None:
                draft = self._drafted(answer, usage, prompt.instructions, question, language, facts)
                wrong = _problems(draft, answer, language, questions)
        if answer is None or wrong:
            # The problems quote the customer's questions: count them, never log them.
            log.info("reply broke the reply rules twice; composed offline", problems=len(wrong))
            draft = await self._offline(question, language, Facts())
            return draft.model_copy(update={"llm": usage})
        return draft

    def _drafted(
        self,
        answer: AnswerCall,
        usage: LlmUsage | None,
        instructions: str,
        question: Question,
        language: Language,
        facts: Facts,
    ) -> Draft:
        """The model's answer as a draft: guarded, and handed over when it could not answer."""
        citations = facts.citations(answer.cited_ids)
        draft = Draft(text=answer.reply, llm=usage, citations=citations, grounded=bool(citations))
        draft = self._guarded(draft, instructions, question, language, facts)
        if not answer.could_answer and draft.hand_over is None:
            draft = _handing_over(draft, HandOverReason.MISSING_KNOWLEDGE, language)
            unanswered = answer.unanswered or questions_of(question.text)
            draft = draft.model_copy(update={"unanswered": unanswered})
        return draft

    def _offered_tools(self, question: Question) -> list[ToolSpec]:
        if self._tools is None or question.store.woocommerce is None:
            return []
        specs = [SEARCH_PRODUCTS_SPEC, SHOW_PRODUCTS_SPEC]
        if question.customer_number:
            specs.insert(0, ORDER_STATUS_SPEC)
        if self._action_request(question, "") is not None and any_enabled(
            question.settings.order_actions
        ):
            specs.append(ORDER_ACTION_SPEC)
        return specs

    def _action_request(self, question: Question, text: str) -> ActionRequest | None:
        """The order actions' view of the question; None where there are none (the sandbox)."""
        if not (self._actions and question.customer_number and question.conversation_id):
            return None
        return ActionRequest(
            store=question.store,
            rules=question.settings.order_actions,
            conversation_id=question.conversation_id,
            customer_number=question.customer_number,
            message_sid=question.message_sid or "",
            text=text,
            at=question.asked_at,
            language=_customer_language(question),
        )

    async def _run_tool(
        self, name: str, arguments: dict[str, Any], question: Question, facts: Facts
    ) -> str:
        """Run one tool the model called; the customer's number comes from us, never the model."""
        tools, customer = self._tools, question.customer_number
        request, acted = self._action_request(question, question.text), facts.action is not None
        try:
            if tools and customer and name == prompting.ORDER_STATUS_TOOL:
                number = OrderStatusCall.model_validate(arguments).order_number
                result = await tools.order_status(question.store, customer, number)
            elif tools and name == prompting.SEARCH_PRODUCTS_TOOL:
                query = SearchProductsCall.model_validate(arguments).query
                result = await tools.search_products(question.store, query)
            elif name == prompting.ORDER_ACTION_TOOL and self._actions and request and not acted:
                result = await self._propose_action(self._actions, arguments, request, facts)
            elif tools and name == prompting.SHOW_PRODUCTS_TOOL:
                query = ShowProductsCall.model_validate(arguments).query
                result = await tools.search_products(question.store, query, limit=MAX_CARDS)
                facts.shown.append(result)
            else:
                return json.dumps({"ok": False, "error": f"no tool named {name!r}"})
        except ValidationError:
            return json.dumps({"ok": False, "error": "invalid arguments"})
        except Exception as error:
            log.warning("commerce tool failed", tool=name, error=type(error).__name__)
            facts.tool_failed = True
            return json.dumps({"ok": False, "error": "the look-up failed; tell the customer"})
        label = facts.add_tool(result)
        payload = {
            "id": label,
            "ok": result.ok,
            "summary": result.summary,
            "data": result.data,
            "refused_reason": result.refused_reason,
        }
        return json.dumps(payload, ensure_ascii=False, default=str)

    async def _propose_action(
        self,
        actions: ActionDesk,
        arguments: dict[str, Any],
        request: ActionRequest,
        facts: Facts,
    ) -> ToolResult:
        """The model's request for an order action goes through the same desk, identity check
        and limits as the offline rules; the customer's number comes from us, never the model."""
        call = OrderActionCall.model_validate(arguments)
        number = call.order_number.strip().lstrip("#").strip() if call.order_number else None
        kind = ActionKind(call.action)
        facts.action = await actions.propose(request, kind, number or None, call.new_address)
        return ToolResult(tool=prompting.ORDER_ACTION_TOOL, ok=True, summary=facts.action.text)

    # -- without a model ---------------------------------------------------------------------

    async def _offline(self, question: Question, language: Language, facts: Facts) -> Draft:
        """Each question of the message answered from its own passages, in the customer's order;
        the ones without an answer are named and handed over; thanks and greetings answered in
        kind; a complaint acknowledged and handed over. Within WhatsApp's length, every
        question's answer keeps its first sentence before any keeps a second."""
        said: list[list[str]] = []  # one paragraph each, sentence by sentence
        if self._tools and self._offered_tools(question):
            said += [[found] for found in await self._offline_lookups(self._tools, question, facts)]
        settings = question.settings
        parts = parts_of(question.text)
        looked_up = bool(facts.tools)
        alone = sum(part.is_question for part in parts) == 1
        cited: list[str] = []
        unanswered: list[str] = []  # in the customer's words, as the reply names them
        gaps: dict[str, str] = {}  # an unanswered question as the knowledge gap records it
        sentences: list[str] = []
        topic = ""  # the question before: an elliptic follow-up's topic
        for part in parts:
            if part.is_question:
                passages = await self._part_passages(question.store.id, part, topic)
                # "klo ke bali?" means nothing to the store's team without what it follows
                gaps[part.text] = (
                    f"{topic} {part.text}" if topic and is_elliptic(part.text) else part.text
                )
                topic = part.text
                own = part_language(part.text, language)
                composed = compose(part.text, passages, own, settings.tone, sentences)
                if composed is None and looked_up and (alone or find_order_numbers(part.text)):
                    continue  # the order or product look-up above answers it
                if composed is None:
                    unanswered.append(part.text)
                else:
                    cited += facts.add_passages(composed.passages)
                    sentences += composed.sentences
                    if composed.said:
                        said.append(composed.said)
            elif reply := _in_kind(part, parts, question, language):
                said.append([reply])
        if others_orders_only(list(facts.tools.values())):
            # Another customer's order: what else is asked of it cannot be told either, and
            # the refusal says so; a person is needed only for other questions.
            unanswered = [text for text in unanswered if not asks_about_the_order(text)]
        answered = bool(cited or facts.tools)
        if unanswered and answered:  # after the answers, so that the reply opens with one
            said.append([_left_to_the_team(unanswered, language)])
        unanswered = [gaps[text] for text in unanswered]
        room = _room(question, language)
        if question.upset:
            sorry = [_sorry(question, language), phrase(language, Phrase.TEAM_FOLLOWS)]
            room -= sum(len(text) + PARAGRAPH_JOINT for text in sorry)
        texts = [" ".join(sentences) for sentences in fitted(said, room)]
        if question.upset:
            return _acknowledged(texts if answered else [], unanswered, question, language, facts)
        if unanswered and not answered:
            reason = HandOverReason.MISSING_KNOWLEDGE
            text = hand_over_text(reason, language, settings.fallback_reply)
            return Draft(text=text, hand_over=reason, unanswered=unanswered)
        return Draft(
            text=_paragraphs(*texts),
            citations=facts.citations(cited),
            grounded=answered,
            hand_over=HandOverReason.MISSING_KNOWLEDGE if unanswered else None,
            unanswered=unanswered,
        )

    async def _part_passages(self, store_id: str, part: Part, topic: str) -> list[Passage]:
        """A part's passages: its own; for an elliptic follow-up ("kalau Mandiri?", "atas nama
        siapa itu?"), those found with the question before it, else alone, that hold what the
        follow-up adds (`follow_ups`), or none: alone its one word finds anything ("Dana" for
        the e-wallet finds a refund's "dana"), with the question before it the earlier answer
        again. The setting the customer told ("wifi aku putus2 terus") is searched with the
        question only when the question alone finds nothing: its words ("tinggal di Makassar")
        would outweigh the question's."""
        asked = part.text
        if topic and is_elliptic(asked):
            follow_up = FollowUp.of(asked, topic)
            with_topic = await self._retriever.search(store_id, f"{topic} {asked}", PASSAGES)
            if (found := follow_up.answered_by(with_topic)) or not follow_up.added:
                return found  # asking only a kind of fact, alone it would find any such fact
            return follow_up.answered_by(await self._retriever.search(store_id, asked, PASSAGES))
        passages = await self._retriever.search(store_id, asked, PASSAGES)
        if passages or not part.setting:
            return passages
        return await self._retriever.search(store_id, f"{part.setting} {asked}", PASSAGES)

    async def _offline_lookups(
        self, tools: CommerceTools, question: Question, facts: Facts
    ) -> list[str]:
        """Order numbers in the message are looked up (the customer's own orders only);
        otherwise the message is tried as a product search, and the products found are shown
        (their photos and captions) when the customer asks to see them or their price or stock."""
        store, customer = question.store, question.customer_number
        found: list[str] = []
        try:
            numbers = find_order_numbers(question.text)[:ORDER_LOOKUPS]
            if numbers and customer:
                for number in numbers:
                    result = await tools.order_status(store, customer, number)
                    facts.add_tool(result)
                    found.append(result.summary)
            elif not numbers:
                result = await tools.search_products(store, question.text)
                # "Ada fotonya kak?": the product is the one the customer named last time.
                earlier = _earlier_customer_text(question) if asks_to_see(question.text) else None
                if not result.ok and earlier:
                    result = await tools.search_products(store, earlier)
                if result.ok:
                    facts.add_tool(result)
                    if asks_to_see(question.text) and shows_any(result):
                        facts.shown.append(result)  # the captions say it (`_with_cards`)
                    else:
                        found.append(result.summary)
        except Exception as error:
            log.warning("commerce look-up failed", error=type(error).__name__)
            facts.tool_failed = True
        return found

    # -- after any answer --------------------------------------------------------------------

    def _guarded(
        self,
        draft: Draft,
        instructions: str,
        question: Question,
        language: Language,
        facts: Facts,
    ) -> Draft:
        """The model's reply as it may go out, or a safe reply and a hand-over (policy)."""
        store = question.store
        allowed = Allowed(
            instructions=instructions,
            # The store's own contacts and links may come from its persona too.
            reference=f"{facts.reference()}\n{instructions}",
            own_numbers=tuple(n for n in (question.customer_number, store.whatsapp_number) if n),
            domains=tuple(
                d for d in (domain_of(store.woocommerce.url if store.woocommerce else None),) if d
            ),
        )
        checked = check_reply(draft.text, allowed)
        if checked.violation is None:
            return draft.model_copy(update={"text": checked.text})
        log.warning("reply replaced by the guardrails", store=store.id, why=checked.violation)
        GUARDRAIL_REPLACEMENTS.labels(checked.violation).inc()
        reason = HandOverReason.POLICY
        text = hand_over_text(reason, language, question.settings.fallback_reply)
        return Draft(text=text, hand_over=reason, llm=draft.llm)

    def _after_answer(
        self, draft: Draft, language: Language, question: Question, facts: Facts
    ) -> Draft:
        """Hand over after a failed look-up or too many replies in a row that cited nothing."""
        if draft.hand_over is not None:
            return draft
        reason = None
        if facts.tool_failed:
            reason = HandOverReason.TOOL_FAILURE
        elif handover.ungrounded_streak(
            question.ungrounded_before,
            draft.grounded,
            question.settings.hand_over.ungrounded_streak,
        ):
            reason = HandOverReason.MISSING_KNOWLEDGE
        return draft if reason is None else _handing_over(draft, reason, language)


def build_answerer(db: Database, settings: Settings) -> Answerer:
    """The answerer of a process: the LLM and embeddings when configured, else offline."""
    return Answerer(
        Retriever(
            db,
            embedder_from(settings),
            revision_cache_seconds=settings.consumers.settings_cache_seconds,
        ),
        ChatModel(settings) if settings.llm.configured else None,
        CommerceTools(db, cache_max_age(settings) or WEBHOOKS_ONLY_MAX_AGE),
        ActionDesk(db, action_api(settings)),
    )


def final_answer(message: AIMessage) -> AnswerCall | None:
    """The `answer` call's arguments; a plain-text reply (a model or server that ignores tools)
    is taken as an answer that cites nothing."""
    for call in message.tool_calls:
        if call["name"] == prompting.ANSWER_TOOL:
            try:
                return AnswerCall.model_validate(call["args"])
            except ValidationError:
                return None
    text = message.text.strip()
    return AnswerCall(reply=text) if text else None


def _handing_over(draft: Draft, reason: HandOverReason, language: Language) -> Draft:
    """The model's reply stands; the customer learns that a person continues, and one will."""
    follow_up = phrase(language, Phrase.TEAM_FOLLOWS)
    return draft.model_copy(
        update={"text": _paragraphs(draft.text, follow_up), "hand_over": reason, "grounded": False}
    )


def _problems(
    draft: Draft, answer: AnswerCall, language: Language, questions: list[str]
) -> list[str]:
    """What to mend in a reply that may go out; a guardrail's replacement or a hand-over of the
    whole message is final (the customer is told a person follows up)."""
    if draft.hand_over is not None:
        return []
    # The commerce tools' summaries are fixed texts ("Order 1042: being processed (sedang
    # diproses)"): a reply built on them alone is not held to one language.
    tools_only = bool(draft.citations) and all(c.kind == "tool" for c in draft.citations)
    checked = None if tools_only else language
    return reply_check.problems(draft.text, checked, questions, answer.unanswered)


def _rejection(message: AIMessage, problems: list[str]) -> list[BaseMessage]:
    """The model's rejected turn and why, so that its next turn mends it."""
    why = "Your reply was not sent. " + " ".join(problems) + " Call `answer` again."
    calls = [call for call in message.tool_calls if call["name"] == prompting.ANSWER_TOOL]
    if calls:
        return [message, ToolMessage(content=why, tool_call_id=calls[0]["id"] or "")]
    return [message, SystemMessage(why)]


def _left_to_the_team(unanswered: Sequence[str], language: Language) -> str:
    quoted = "”, “".join(unanswered)
    return phrase(language, Phrase.PART_FOLLOWS).format(part=quoted)


def _in_kind(part: Part, parts: Sequence[Part], question: Question, language: Language) -> str:
    """Thanks get a "you're welcome"; a greeting alone gets one back, unless the store's own
    greeting opens the reply; complaints are acknowledged by `_acknowledged`."""
    tone = question.settings.tone
    if part.kind is Kind.THANKS:
        return phrase(language, Phrase.YOU_ARE_WELCOME).format(address=address(tone))
    greeted = question.new_conversation and question.settings.greeting
    only_small_talk = all(p.kind in (Kind.GREETING, Kind.THANKS) for p in parts)
    if part.kind is Kind.GREETING and only_small_talk and not greeted and part is parts[0]:
        return phrase(language, Phrase.HELLO).format(address=address(tone))
    return ""


def _acknowledged(
    said: list[str], unanswered: list[str], question: Question, language: Language, facts: Facts
) -> Draft:
    """A complaint: sorry first, what can be answered, then a person (no knowledge gap but the
    questions left open)."""
    reason = HandOverReason.NEGATIVE_SENTIMENT
    if not said:
        text = hand_over_text(reason, language, question.settings.fallback_reply)
        return Draft(text=text, hand_over=reason, unanswered=unanswered)
    sorry = _sorry(question, language)
    cited = list(facts.passages)
    return Draft(
        text=_paragraphs(sorry, *said, phrase(language, Phrase.TEAM_FOLLOWS)),
        hand_over=reason,
        citations=facts.citations(cited),
        grounded=bool(cited or facts.tools),
        unanswered=unanswered,
    )


def _room(question: Question, language: Language) -> int:
    """What the answers may take of WhatsApp's length: the rest is for the greeting and the
    outside-hours note, added around them."""
    settings = question.settings
    room = WHATSAPP_MAX_CHARS
    if question.new_conversation and settings.greeting:
        room -= len(settings.greeting) + 1
    hours = settings.business_hours
    if not hours.is_open(question.asked_at, question.store.timezone):
        note = hours.outside_hours_message or phrase(language, Phrase.OUTSIDE_HOURS)
        room -= len(note) + PARAGRAPH_JOINT
    return room


def _sorry(question: Question, language: Language) -> str:
    return phrase(language, Phrase.SORRY_TROUBLE).format(address=address(question.settings.tone))


def _customer_language(question: Question) -> Language:
    """The message's language; a message that tells none ("COD?", "insurance?", "👍") is in the
    language of the customer's earlier messages, else the store's."""
    earlier = " ".join(
        m.get("text") or ""
        for m in question.history[:-1]
        if m.get("direction") == "inbound" and isinstance(m.get("text"), str)
    )
    default = question.settings.default_language
    return detect_language(question.text, detect_language(earlier, default))


def _earlier_customer_text(question: Question) -> str | None:
    """The customer's message before this one, if the history holds one."""
    earlier = [m for m in question.history[:-1] if m.get("direction") == "inbound"]
    text = earlier[-1].get("text") if earlier else None
    return text if isinstance(text, str) and text else None


def _with_cards(draft: Draft, facts: Facts, language: Language) -> Draft:
    """The photos of the products shown go with the reply, their captions after its text; a
    reply that answered nothing (a refusal, a replaced reply) shows none."""
    cards = cards_of(facts.shown, language) if draft.grounded else []
    images = [card.image_url for card in cards if card.image_url]
    if not images:
        return draft
    captions = "\n\n".join(card.caption for card in cards)
    return draft.model_copy(
        update={
            "text": _paragraphs(draft.text, captions),
            "media_urls": images,
        }
    )


def _paragraphs(*texts: str) -> str:
    return "\n\n".join(text for text in texts if text)


def _added(total: LlmUsage | None, turn: LlmUsage) -> LlmUsage:
    if total is None:
        return turn
    return LlmUsage(
        model=turn.model,
        latency_seconds=total.latency_seconds + turn.latency_seconds,
        prompt_tokens=total.prompt_tokens + turn.prompt_tokens,
        completion_tokens=total.completion_tokens + turn.completion_tokens,
    )
