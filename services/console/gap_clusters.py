"""Questions the bot could not answer, grouped into suggested FAQ entries.

Customers ask the same thing in many words and two languages, with typos, so questions are
normalised (`shared.text.normalise`: "brp" is "berapa", "kpn nyampe" is "kapan sampai"),
compared by character n-grams (robust to Indonesian affixes and misspellings) and grouped by
average-linkage clustering under a cosine-distance cut. Each group becomes one suggested entry,
headed by its most typical question.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:  # numpy and scikit-learn load with the first grouping, not with the console
    import numpy as np

from shared.text.normalise import normalise

# Questions closer than this (cosine distance of their n-gram vectors) land in one entry; tuned
# on paraphrases like "ongkir ke medan berapa" / "berapa ongkos kirim ke Medan?".
DISTANCE_CUT = 0.75
EXAMPLES_PER_ENTRY = 5


class Gap(BaseModel):
    question: str
    conversation_id: str
    asked_at: datetime


class SuggestedEntry(BaseModel):
    """One FAQ entry to write: the typical question, how often it was asked, and examples."""

    question: str
    asked: int
    conversations: int
    examples: list[str]
    first_asked_at: datetime
    last_asked_at: datetime


def suggest_entries(gaps: Sequence[Gap]) -> list[SuggestedEntry]:
    """Group the gaps; the most asked entries come first, then the most recent."""
    if not gaps:
        return []
    labels = _cluster([gap.question for gap in gaps])
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(int(label), []).append(index)
    entries = [_entry([gaps[i] for i in members]) for members in groups.values()]
    entries.sort(key=lambda entry: (entry.asked, entry.last_asked_at), reverse=True)
    return entries


def _cluster(questions: list[str]) -> "np.ndarray":
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering

    if len(questions) == 1:
        return np.zeros(1, dtype=int)
    vectors = _vectors(questions)
    clustering = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=DISTANCE_CUT
    )
    labels: np.ndarray = clustering.fit_predict(vectors.toarray())
    return labels


def _vectors(questions: list[str]) -> Any:  # a sparse matrix
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), lowercase=True, sublinear_tf=True
    )
    return vectorizer.fit_transform([normalise(question) for question in questions])


def _entry(members: list[Gap]) -> SuggestedEntry:
    times = [gap.asked_at for gap in members]
    return SuggestedEntry(
        question=_typical_question([gap.question for gap in members]),
        asked=len(members),
        conversations=len({gap.conversation_id for gap in members}),
        examples=_distinct([gap.question for gap in members])[:EXAMPLES_PER_ENTRY],
        first_asked_at=min(times),
        last_asked_at=max(times),
    )


def _typical_question(questions: list[str]) -> str:
    """The question most similar to all the others in its group."""
    from sklearn.metrics.pairwise import cosine_similarity

    if len(questions) <= 2:
        return questions[0]
    similarity = cosine_similarity(_vectors(questions))
    return questions[int(similarity.mean(axis=1).argmax())]


def _distinct(questions: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for question in questions:
        seen.setdefault(" ".join(question.lower().split()), question)
    return list(seen.values())
