"""Whether a model's reply keeps the rules the offline composition keeps by construction: no
heading paths or markdown, every question of the message answered or said to be followed up,
and the customer's language.

A reply that breaks one is written again once with the reasons; a second failure falls back to
the offline composition (answerer.py).
"""

import re
from collections.abc import Sequence

from shared.answering.wording import detect_language
from shared.stores.bot_settings import Language
from shared.text.normalise import terms

_HEADING_PATH = re.compile(r"\S\s+>\s+\S")
_MARKDOWN = re.compile(r"\*\*|__|^#{1,6}\s", re.MULTILINE)


def problems(
    reply: str,
    language: Language | None,
    questions: Sequence[str],
    followed_up: Sequence[str],
) -> list[str]:
    """What is wrong with `reply`, as instructions to the model; empty when nothing is.

    `language` is the customer's (None: not checked), `questions` the message's questions,
    `followed_up` those the model said it could not answer (a person follows them up)."""
    found: list[str] = []
    if _HEADING_PATH.search(reply) or _MARKDOWN.search(reply):
        found.append(
            "Write plain sentences: no document titles, heading paths (A > B) or markdown."
        )
    # A margin of two words: a short reply quoting a product name or an order status in the
    # other language ("Order 1042: being processed") is still written in the customer's.
    if (
        language is not None
        and detect_language(reply, language, margin=2, content_words=False) is not language
    ):
        found.append(f"Reply in {_NAMES[language]}, the customer's language.")
    missing = unanswered_questions(reply, questions, followed_up)
    if missing:
        listed = "; ".join(f'"{question}"' for question in missing)
        found.append(f"Answer every question of the message, or list it in `unanswered`: {listed}.")
    return found


def unanswered_questions(
    reply: str, questions: Sequence[str], followed_up: Sequence[str]
) -> list[str]:
    """The questions a reply neither speaks about (shares no term with) nor hands over."""
    if len(questions) < 2:
        return []  # one question: `could_answer` says whether it was answered
    said = set(terms(reply))
    handed = set(terms(" ".join(followed_up)))
    return [q for q in questions if not (set(terms(q)) & (said | handed))]


_NAMES = {Language.ID: "Indonesian", Language.EN: "English"}
