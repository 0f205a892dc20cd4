"""`python -m bench.language_forms`: is a question answered in the customer's language whatever
chat form makes that language hard to tell?

The single questions the offline engine answers alone (tuning and development sets only; never
the frozen set) are re-written in the forms customers use that blur a message's language: very
short messages, English shop words inside Indonesian ("ready stock", "refund", "sizenya"),
Indonesian particles in English ("… ya kak?"), a greeting or sign-off in the other language,
all capitals, no punctuation, emoji around the text. Each message is answered by the
responder's own `Answerer`, offline, and each grounded reply is checked by `bench.readability`:
in the customer's language, or saying plainly that it quotes the other one. The check tells a
reply's language by its function words, so a short quote ("Semua paket diasuransikan.") escapes
it: **unsaid** counts the replies it cannot judge whose cited passages are all in the other
language and that do not say so.

The customer's language of a form is the question's. A very short message (one or two of its
words) may not tell it: a reply in the store's language is right then too, so an English one
at an Indonesian store accepts either, while an Indonesian one must be answered in Indonesian
(or say that it quotes English). Printed per form and in all; `--misses` lists the replies in
the wrong language.
"""

import argparse
import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.answer_eval import (
    Message,
    Reply,
)
from bench.message_forms import tuning_shops
from bench.readability import FUNCTION_WORDS, Artifact, language_of, says_it_quotes
from shared.stores.bot_settings import BotSettings

STORE_LANGUAGE = BotSettings().default_language.value  # the stores of `replies_to`

_WORD = re.compile(r"[^\W\d_]+")


def _bare(question: str) -> str:
    return question.strip().rstrip("?.!").strip()


def _lower_first(question: str) -> str:
    return question[:1].lower() + question[1:]


# Indonesian words customers swap for the English shop word everybody uses in chat.
_BORROWED = {
    "pesanan": "order",
    "pesan": "order",
    "memesan": "order",
    "ukuran": "size",
    "ukurannya": "sizenya",
    "stok": "stock",
    "tersedia": "ready",
    "pengembalian dana": "refund",
    "dikembalikan": "direfund",
    "membatalkan": "cancel",
    "dibatalkan": "dicancel",
    "pembayaran": "payment",
    "bayar di tempat": "COD",
    "nomor resi": "tracking number",
    "diskon": "discount",
    "pengiriman": "shipping",
    "dikirim": "dishipping",
    "gratis ongkir": "free ongkir",
    "garansi": "warranty",
    "tukar": "exchange",
}
_BORROWED_PATTERN = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _BORROWED), key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def _borrowed(question: str) -> str | None:
    text, swaps = _BORROWED_PATTERN.subn(lambda m: _BORROWED[m[1].lower()], question)
    return text if swaps else None


def _short(question: str) -> str | None:
    """The question's one or two longest words that are not function words, and a question
    mark: "kurir tersedia?"."""
    words = [
        w for w in _WORD.findall(question) if w.casefold() not in FUNCTION_WORDS and len(w) > 2
    ]
    if not words:
        return None
    kept = sorted(sorted(words, key=len, reverse=True)[:2], key=words.index)
    return " ".join(kept).lower() + "?"


@dataclass(frozen=True)
class Form:
    languages: tuple[str, ...]  # the questions' languages it applies to
    write: Callable[[str], str | None]  # None: this question has no such form
    short: bool = False  # the language may not be told: the store's is right too


FORMS: dict[str, Form] = {
    "very short": Form(("id", "en"), _short, short=True),
    "English shop words": Form(("id",), _borrowed),
    "particles ya kak": Form(("en",), lambda q: f"{_bare(q)} ya kak?"),
    "particle dong": Form(("en",), lambda q: f"{_bare(q)} dong"),
    "greeting Hi kak": Form(("id",), lambda q: f"Hi kak, {_lower_first(q)}"),
    "sign-off thanks": Form(("id",), lambda q: f"{q} thanks"),
    "greeting Halo kak": Form(("en",), lambda q: f"Halo kak, {_lower_first(q)}"),
    "sign-off makasih": Form(("en",), lambda q: f"{q} makasih"),
    "all caps": Form(("id", "en"), str.upper),
    "no punctuation": Form(("id", "en"), lambda q: re.sub(r"[^\w\s]", "", q).lower()),
    "emoji around": Form(("id", "en"), lambda q: f"🙏 {q} 😊😊"),
}


@dataclass(frozen=True)
class Outcome:
    form: str
    reply: Reply

    @property
    def answered(self) -> bool:
        return self.reply.draft.grounded

    @property
    def wrong_language(self) -> bool:
        return Artifact.WRONG_LANGUAGE in self.reply.artifacts

    @property
    def quoted_unsaid(self) -> bool:
        """Not judged in the wrong language (its sentences tell none), yet quoting only
        passages of the other language without saying so."""
        asked, text = self.reply.message.language, self.reply.draft.text
        cited = " ".join(c.snippet for c in self.reply.draft.citations if c.kind == "passage")
        return (
            asked in ("id", "en")
            and not self.wrong_language
            and language_of(text) != asked
            and language_of(cited) not in (None, asked)
            and not says_it_quotes(text)
        )


def messages_of(singles: Sequence[Message]) -> list[tuple[str, Message]]:
    """Every form of every question it applies to, with the language the reply must be in."""
    found = []
    for name, form in FORMS.items():
        for single in singles:
            text = form.write(single.text) if single.language in form.languages else None
            if text:
                either = form.short and single.language != STORE_LANGUAGE
                language = "mixed" if either else single.language
                found.append((name, Message(text, language, single.shop, single.parts, name)))
    return found


async def outcomes() -> list[Outcome]:
    found: list[Outcome] = []
    for shops in await tuning_shops():
        answered = [r.message for r in await shops.replies(shops.singles) if r.draft.grounded]
        forms = messages_of(answered)
        replies = await shops.replies([m for _, m in forms])
        found += [Outcome(name, reply) for (name, _), reply in zip(forms, replies, strict=True)]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.language_forms", description=__doc__)
    parser.add_argument("--misses", action="store_true", help="list the wrong-language replies")
    arguments = parser.parse_args()
    found = asyncio.run(outcomes())
    print(f"{'form':<20} {'messages':>8} {'answered':>8} {'wrong language':>14} {'unsaid':>6}")
    for form in [*FORMS, "all"]:
        mine = [o for o in found if form in (o.form, "all")]
        answered = [o for o in mine if o.answered]
        wrong = sum(o.wrong_language for o in answered)
        unsaid = sum(o.quoted_unsaid for o in answered)
        print(f"{form:<20} {len(mine):>8} {len(answered):>8} {wrong:>14} {unsaid:>6}")
    if arguments.misses:
        for o in found:
            if o.answered and (o.wrong_language or o.quoted_unsaid):
                reply = re.sub(r"\s+", " ", o.reply.draft.text)[:300]
                print(f"\n[{o.form}, expected {o.reply.message.language}] {o.reply.message.text!r}")
                print(f"  reply: {reply}")


if __name__ == "__main__":
    main()
