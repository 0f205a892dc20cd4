"""Whether a passage answers an elliptic follow-up ("klo ke bali?", "will you log in to it?").

A follow-up is searched with the question before it, since alone its one or two words find
anything. The earlier topic then finds the earlier answer's passage whatever the follow-up asks,
so a passage counts only when it also holds what the follow-up adds: every one of its words
that the question before did not have (in the passage's text or heading, as a term, a related
term or a synonym, so "sun" meets "matahari"), not counting the words asking for a kind of fact
("brp lama") or pointing back ("itu", "one"); and when it adds nothing but the kind of fact
("jam berapa itu?"), a statement of that kind. Otherwise the part is handed over: "what about
an express one?" after a repair's duration is not answered by an ordinary repair's. Half of the
words would lend a passage through one common word ("kalau ada lowongan kerja?" → "hari kerja").
"""

from collections.abc import Sequence
from dataclasses import dataclass

from shared.answering.message_parts import without_pointers
from shared.knowledge.answer_kinds import AnswerKind, asked_kinds, stated, without_asking
from shared.knowledge.retrieval import Passage
from shared.text.normalise import Word, terms, words


@dataclass(frozen=True)
class FollowUp:
    """What an elliptic follow-up asks beyond the question before it."""

    added: tuple[Word, ...]  # the words the question before did not have
    kinds: frozenset[AnswerKind]  # the kinds of fact it asks for

    @classmethod
    def of(cls, follow_up: str, before: str) -> "FollowUp":
        known = set(terms(before))
        asked = words(without_asking(without_pointers(follow_up)), with_synonyms=True)
        added = tuple(word for word in asked if word.terms and known.isdisjoint(word.terms))
        return cls(added, asked_kinds(follow_up))

    def answered_by(self, passages: Sequence[Passage]) -> list[Passage]:
        """The passages that hold what the follow-up adds, in their order."""
        return [passage for passage in passages if self._holds(passage)]

    def _holds(self, passage: Passage) -> bool:
        if not self.added:
            return not self.kinds or stated(passage.text, self.kinds)
        held = set(terms(f"{passage.heading or ''} {passage.text}"))
        return all(
            not held.isdisjoint((*word.terms, *word.related, *word.synonyms)) for word in self.added
        )
