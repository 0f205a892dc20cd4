"""Customer satisfaction (CSAT): every rule of the 1-5 survey in one place (docs/kpis.md,
"Satisfaction").

`rules` holds them without I/O: the survey and answer windows, when a session is due a survey,
its id, its wording, what counts as a rating and which rating answers a survey. `surveys`
settles a survey in MongoDB with the customer's next message. The enricher's sweep and the
responder keep only their I/O and event handling and read the rules from here.
"""

from shared.conversations.csat.rules import (
    ANSWER_WINDOW,
    SATISFIED,
    SURVEY_WINDOW,
    DueReason,
    due_query,
    in_window,
    parse_rating,
    question,
    rating_of,
    survey_due,
    survey_id,
    thanks,
)
from shared.conversations.csat.surveys import Rated, awaiting_answer, settle

__all__ = [
    "ANSWER_WINDOW",
    "SATISFIED",
    "SURVEY_WINDOW",
    "DueReason",
    "Rated",
    "awaiting_answer",
    "due_query",
    "in_window",
    "parse_rating",
    "question",
    "rating_of",
    "settle",
    "survey_due",
    "survey_id",
    "thanks",
]
