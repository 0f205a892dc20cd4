"""Sentiment cues a bag of n-grams misses, as extra terms for the offline model.

- Negation: the words right after a negation are marked ("tidak bagus" gives "neg:bagus"), so
  "bagus" and "not good" stop pulling the same way. The shared normalisation has already
  written the chat forms ("gak", "ga", "nggak", "gk", "tdk", "blm", "bkn", "jgn") in full.
- Emoji and emoticons: each one also counts as its group ("emoji:positive", "emoji:negative"),
  so one the training data never shows is read like those it does.
"""

import re

# Read from the normalised text, where every chat spelling of "tidak" is already "tidak".
_NEGATION_WORDS = """
    tidak tak bukan belum jangan kurang tanpa not no never nothing without cannot nor
    dont didnt doesnt isnt wasnt arent werent havent hasnt cant wont couldnt wouldnt shouldnt
"""
NEGATIONS = frozenset(_NEGATION_WORDS.split())
NEGATION_SCOPE = 2  # words; a punctuation mark ends it sooner
_TOKENS = re.compile(r"\w+(?:'t)?|[^\w\s]")  # "doesn't" stays one word

POSITIVE_EMOJI = frozenset("😀😁😃😄😆😊☺🙂😍🥰😘😻👍👌💯❤♥💕💖💗💞✨🎉🥳🤩🙌👏")
NEGATIVE_EMOJI = frozenset("😡😠🤬😤😞😔😟😢😭😩😫😣😖🙄👎💔😒😑😕☹🙁😓😰😱🤮🤢")
_EMOTICON = re.compile(r"(?<![\w:;=])(?:[:;=]-?[)\]d]|\^_?\^)(?!\w)|(?P<sad>[:;=]'?-?[(\[]|-_-)")


def negated_terms(normalised: str) -> list[str]:
    """Up to `NEGATION_SCOPE` words after each negation, marked: "neg:bagus"."""
    terms: list[str] = []
    left = 0
    for token in _TOKENS.findall(normalised):
        if not token[0].isalnum():  # punctuation (or an emoji) ends the scope
            left = 0
            continue
        if left:
            terms.append(f"neg:{token}")
            left -= 1
        if token in NEGATIONS or token.endswith("n't"):
            left = NEGATION_SCOPE
    return terms


def emotion_terms(normalised: str) -> list[str]:
    """One group term per emoji or emoticon of a positive or negative kind."""
    terms = [
        "emoji:positive" if character in POSITIVE_EMOJI else "emoji:negative"
        for character in normalised
        if character in POSITIVE_EMOJI or character in NEGATIVE_EMOJI
    ]
    for match in _EMOTICON.finditer(normalised):
        terms.append("emoji:negative" if match["sad"] else "emoji:positive")
    return terms
