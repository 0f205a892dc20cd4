"""`python -m bench.message_forms`: is a question answered as well inside a message of several
as it is alone, whatever chat form joins them?

Pairs of single questions the offline engine covers alone (consecutive answerable questions of
one shop, from the tuning and the development sets only; never the frozen set) are joined in
the forms customers write: joiners ("terus", "trs", "sama", "dan juga", "also", "and", "plus",
"sekalian", "satu lagi"), numbered and lettered lists, bullets, one per line, a question mark
missing, a greeting ("kak", "min") in front, a full stop before a small letter, the first
question told as a request to know ("mau tau …"). Each message is answered by the responder's own
`Answerer`, offline, and every pair not covered is put down to its cause:

- **split**: `questions_of` did not return the two questions (by their normalised terms);
- **in message**: split right, yet a part the engine answers alone is not covered in the
  message (other parts' words, the message's language, the reply's length).

Printed per form and in all; `--misses` lists the messages not covered. Then every such
question followed by each unanswerable question of its shop ("… ? terus …?", "… ? kalau …?"):
the share where that follow-up is still handed over (a topic carried into a follow-up must not
lend an unanswerable one a passage).
"""

import argparse
import asyncio
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from bench.answer_eval import (
    DEV_QUESTIONS,
    DEV_SHOPS,
    SAMPLE_QUESTIONS,
    SAMPLE_STORE,
    IndexRetriever,
    Message,
    Part,
    Reply,
    document_titles,
    replies_to,
)
from bench.knowledge_eval import Question, load_stores, read_questions, store_id
from shared.answering.answerer import Answerer
from shared.answering.message_parts import questions_of
from shared.knowledge.retrieval import KnowledgeIndex
from shared.text.normalise import terms


def _bare(question: str) -> str:
    return question.strip().rstrip("?").strip()


def _lower_first(question: str) -> str:
    return question[:1].lower() + question[1:]


# Each form joins two questions as a customer would write them.
FORMS: dict[str, Callable[[str, str], str]] = {
    "question marks": lambda a, b: f"{_bare(a)}? {_bare(b)}?",
    "terus": lambda a, b: f"{_bare(a)}? terus {_lower_first(_bare(b))}?",
    "trs, no mark": lambda a, b: f"{_bare(a)} trs {_lower_first(_bare(b))}",
    "sama": lambda a, b: f"{_bare(a)}? sama {_lower_first(_bare(b))}?",
    "dan juga": lambda a, b: f"{_bare(a)}, dan juga {_lower_first(_bare(b))}?",
    "also": lambda a, b: f"{_bare(a)}? Also, {_lower_first(_bare(b))}?",
    "and": lambda a, b: f"{_bare(a)}? And {_lower_first(_bare(b))}?",
    "plus": lambda a, b: f"{_bare(a)}? plus {_lower_first(_bare(b))}?",
    "sekalian": lambda a, b: f"{_bare(a)}? sekalian mau tanya {_lower_first(_bare(b))}?",
    "satu lagi": lambda a, b: f"{_bare(a)}? satu lagi, {_lower_first(_bare(b))}?",
    "numbered 1)": lambda a, b: f"1) {_bare(a)} 2) {_bare(b)}",
    "numbered 1.": lambda a, b: f"1. {_bare(a)}\n2. {_bare(b)}",
    "lettered a.": lambda a, b: f"a. {_bare(a)} b. {_bare(b)}",
    "bullets": lambda a, b: f"- {_bare(a)}\n- {_bare(b)}",
    "lines": lambda a, b: f"{_bare(a)}\n{_bare(b)}",
    "greeting kak": lambda a, b: f"kak {_lower_first(_bare(a))}? {_bare(b)}?",
    "greeting min,": lambda a, b: f"min, {_lower_first(_bare(a))}? trus {_lower_first(_bare(b))}",
    # a sentence ended by a full stop before a small letter, as chat is written
    "full stop": lambda a, b: f"{_bare(a)}. {_lower_first(_bare(b))}",
    # the first question told as a request to know ("mau tau …", issue 21)
    "mau tau": lambda a, b: f"mau tau {_lower_first(_bare(a))} kak. sama {_lower_first(_bare(b))}?",
}


@dataclass(frozen=True)
class Outcome:
    form: str
    message: Message
    split_right: bool
    covered: bool
    reply: str


async def _covered_alone(shops: "Shops") -> list[Message]:
    """The answerable questions the engine covers when each is asked alone."""
    replies = await shops.replies(shops.singles)
    return [r.message for r in replies if all(r.covers(p) for p in r.message.parts)]


def _pairs(singles: Sequence[Message]) -> list[tuple[Message, Message]]:
    """Consecutive questions of one shop: neighbours in the sets are mostly on other topics."""
    return [(one, other) for one, other in pairwise(singles) if one.shop == other.shop]


def _split_right(text: str, parts: Sequence[Part]) -> bool:
    return [set(terms(q)) for q in questions_of(text)] == [set(terms(p.text)) for p in parts]


@dataclass(frozen=True)
class Shops:
    """One tuning set's shops indexed in memory, the offline answerer over them, its questions
    and, as messages of one part, the answerable ones."""

    answerer: Answerer
    retriever: IndexRetriever
    titles: dict[str, set[str]]
    questions: list[Question]
    singles: list[Message]

    async def replies(self, messages: Sequence[Message]) -> list[Reply]:
        """The offline engine's reply to each of `messages`, judged against these shops."""
        return await replies_to(self.answerer, messages, self.retriever, self.titles)


async def tuning_shops() -> list[Shops]:
    """The sample store and the development shops, each with its questions: what the chat-form
    generators build their messages from (never the frozen set)."""
    found = []
    for folder, questions_csv in ((SAMPLE_STORE, SAMPLE_QUESTIONS), (DEV_SHOPS, DEV_QUESTIONS)):
        stores = await asyncio.to_thread(load_stores, folder)
        indexes = {
            store_id(shop): KnowledgeIndex(store_id(shop), 1, chunks, None)
            for shop, chunks in stores.items()
        }
        retriever = IndexRetriever(indexes)
        questions = read_questions(questions_csv)
        singles = [
            Message(q.text, q.language, q.shop, (Part(q.text, q.source, q.passage),), q.style)
            for q in questions
            if q.source
        ]
        titles = {shop: document_titles(chunks) for shop, chunks in stores.items()}
        answerer = Answerer(retriever, None, None)
        found.append(Shops(answerer, retriever, titles, questions, singles))
    return found


async def outcomes() -> list[Outcome]:
    found: list[Outcome] = []
    for shops in await tuning_shops():
        alone = await _covered_alone(shops)
        for form, join in FORMS.items():
            messages = [
                Message(
                    join(one.text, other.text),
                    one.language if one.language == other.language else "mixed",
                    one.shop,
                    (*one.parts, *other.parts),
                    form,
                )
                for one, other in _pairs(alone)
            ]
            replies = await shops.replies(messages)
            found += [
                Outcome(
                    form,
                    r.message,
                    _split_right(r.message.text, r.message.parts),
                    all(r.covers(p) for p in r.message.parts),
                    r.draft.text,
                )
                for r in replies
            ]
    return found


# An unanswerable follow-up after an answered question must still be handed over.
FOLLOW_UPS: dict[str, Callable[[str, str], str]] = {
    "terus": FORMS["terus"],
    "kalau": lambda a, b: f"{_bare(a)}? kalau {_lower_first(_bare(b))}?",
}


@dataclass(frozen=True)
class FollowUps:
    form: str
    messages: int
    handed_over: int  # the unanswerable part among the reply's unanswered questions


async def follow_ups() -> list[FollowUps]:
    """Every answerable question the engine covers alone, followed by every unanswerable one of
    its shop, in each form of `FOLLOW_UPS`."""
    found: dict[str, list[bool]] = {form: [] for form in FOLLOW_UPS}
    for shops in await tuning_shops():
        alone = await _covered_alone(shops)
        unanswerable = [q for q in shops.questions if not q.source]
        for form, join in FOLLOW_UPS.items():
            messages = [
                Message(
                    join(one.text, other.text),
                    "mixed",
                    one.shop,
                    (*one.parts, Part(other.text, None)),
                    form,
                )
                for one in alone
                for other in unanswerable
                if other.shop == one.shop
            ]
            for reply in await shops.replies(messages):
                asked = questions_of(reply.message.text)
                # an elliptic follow-up's gap carries the question before it ("… kalau …?")
                left = reply.draft.unanswered
                found[form].append(len(asked) == 2 and any(q.endswith(asked[1]) for q in left))
    return [FollowUps(form, len(done), sum(done)) for form, done in found.items()]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.message_forms", description=__doc__)
    parser.add_argument("--misses", action="store_true", help="list the messages not covered")
    arguments = parser.parse_args()
    found = asyncio.run(outcomes())
    print(f"{'form':<16} {'messages':>8} {'covered':>8} {'split':>6} {'in message':>10}")
    for form in [*FORMS, "all"]:
        mine = [o for o in found if form in (o.form, "all")]
        causes = Counter(
            "split" if not o.split_right else "in message" for o in mine if not o.covered
        )
        covered = sum(o.covered for o in mine)
        print(
            f"{form:<16} {len(mine):>8} {covered / len(mine):>8.2f} "
            f"{causes['split']:>6} {causes['in message']:>10}"
        )
    print(f"\n{'unanswerable follow-up':<24} {'messages':>8} {'handed over':>11}")
    for figures in asyncio.run(follow_ups()):
        share = figures.handed_over / figures.messages
        print(f"{figures.form:<24} {figures.messages:>8} {share:>11.3f}")
    if arguments.misses:
        for o in found:
            if not o.covered:
                cause = "split" if not o.split_right else "in message"
                reply = re.sub(r"\s+", " ", o.reply)[:300]
                print(f"\n[{o.form}, {cause}] {o.message.text!r}")
                print(f"  split: {questions_of(o.message.text)}")
                print(f"  reply: {reply}")


if __name__ == "__main__":
    main()
