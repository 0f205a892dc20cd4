"""The console's UI text in Indonesian (default) and English.

Catalogues are flat JSON files in `locales/` (`{"inbox.title": "Kotak masuk", ...}`); a key missing
from a catalogue falls back to Indonesian, then to the key itself, so a forgotten translation shows
up as readable text instead of an error. An English text that counts things has plural forms chosen
by its `{count}`: `{"one": "{count} reply", "other": "{count} replies"}`; Indonesian nouns do not
inflect, so its texts stay plain strings. The language is the user's choice (cookie `balas_lang`),
then the browser's Accept-Language, then Indonesian.
"""

import json
from functools import cache
from importlib import resources
from typing import Literal, get_args

from fastapi import Request

Lang = Literal["id", "en"]
LANGUAGES: tuple[Lang, ...] = get_args(Lang)
DEFAULT_LANG: Lang = "id"
LANG_COOKIE = "balas_lang"


# A text, or its plural forms by the count: "one" and "other".
Entry = str | dict[Literal["one", "other"], str]


@cache
def catalogue(lang: Lang) -> dict[str, Entry]:
    text = (
        resources.files("services.console").joinpath("locales", f"{lang}.json").read_text("utf-8")
    )
    entries: dict[str, Entry] = json.loads(text)
    return entries


def t(key: str, lang: Lang = DEFAULT_LANG, **values: object) -> str:
    """The text of `key` in `lang`; `{name}` placeholders are filled from `values`, and `count`
    picks the plural form. A count may come formatted already ("1", "1.234")."""
    entry = catalogue(lang).get(key) or catalogue(DEFAULT_LANG).get(key) or key
    if isinstance(entry, dict):
        entry = entry["one" if str(values.get("count")) == "1" else "other"]
    return entry.format(**values) if values else entry


def as_lang(value: str | None) -> Lang | None:
    for lang in LANGUAGES:
        if value == lang:
            return lang
    return None


def request_lang(request: Request) -> Lang:
    """The cookie's choice, else the first supported Accept-Language entry, else Indonesian."""
    chosen = as_lang(request.cookies.get(LANG_COOKIE))
    if chosen:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        primary = as_lang(part.split(";")[0].strip().lower()[:2])
        if primary:
            return primary
    return DEFAULT_LANG
