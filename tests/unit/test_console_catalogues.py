"""Both UI catalogues complete and every entry in use: a key missing from one language, a
placeholder one translation forgot, or an entry no page, script or module asks for fails here."""

import re
import string
from pathlib import Path

import pytest

from services.console.i18n import LANGUAGES, Entry, Lang, catalogue, t

CONSOLE = Path(__file__).parents[2] / "services" / "console"
SOURCES = [
    path
    for path in CONSOLE.rglob("*")
    if path.suffix in (".py", ".html", ".js") and "vendor" not in path.parts
]
# A key built at run time: "tick." ~ m.tick (Jinja), f"dash.{key}" (Python), "x." + y (JS).
BUILT_STEM = re.compile(r"""f?["']([a-z_]+(?:\.[a-z_0-9]+)*\.)(?:["']\s*[~+]|\{)""")


def _placeholders(entry: Entry) -> set[str]:
    forms = [entry] if isinstance(entry, str) else list(entry.values())
    return {name for text in forms for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogues_have_the_same_keys() -> None:
    first, *others = (set(catalogue(lang)) for lang in LANGUAGES)
    for keys in others:
        assert sorted(first - keys) == []
        assert sorted(keys - first) == []


@pytest.mark.parametrize("key", sorted(catalogue("en")))
def test_a_translation_keeps_the_placeholders(key: str) -> None:
    assert _placeholders(catalogue("en")[key]) == _placeholders(catalogue("id")[key])


def test_every_key_is_used_somewhere() -> None:
    """Used: quoted whole, under a stem a key is built from, or (Python) under a family name
    passed whole to a helper that builds the key, like _labelled(counts, "outcome")."""
    everything = "\n".join(path.read_text("utf-8") for path in SOURCES)
    python = "\n".join(path.read_text("utf-8") for path in SOURCES if path.suffix == ".py")
    stems = set(BUILT_STEM.findall(everything))

    def used(key: str) -> bool:
        family = key.rsplit(".", 1)[0]
        return (
            f'"{key}"' in everything
            or f"'{key}'" in everything
            or key.startswith(tuple(stems))
            or f'"{family}"' in python
        )

    assert [key for key in catalogue("en") if not used(key)] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_forms_are_one_and_other_chosen_by_the_count(lang: Lang) -> None:
    for key, entry in catalogue(lang).items():
        if isinstance(entry, dict):
            assert sorted(entry) == ["one", "other"], key
            assert all("{count}" in text for text in entry.values()), key


def test_every_english_text_with_a_count_has_plural_forms() -> None:
    """A count in English is "1 reply" but "2 replies"; a text whose noun needs no inflection
    ("passages: {count}", "Sources ({count})") says so here."""
    uninflected = {"kb.chunks", "citations.title"}
    plain = [
        key
        for key, entry in catalogue("en").items()
        if isinstance(entry, str) and "{count}" in entry and key not in uninflected
    ]
    assert plain == []


def test_english_picks_the_form_of_the_count() -> None:
    assert t("team.invite.once", "en", count=1) == "It works once, for 1 hour."
    assert t("team.invite.once", "en", count=48) == "It works once, for 48 hours."
    assert t("dash.human_response.sub", "en", p90="1 s", every="2 s", count="1") == (
        "p90 1 s · every reply p50 2 s (1 reply)"
    )
    assert t("dash.csat.sub", "en", average="4.5", count="1,001") == (
        "average 4.5/5 · 1,001 ratings"
    )
    assert t("bc.preview", "en", count=0) == "0 customers with promotion consent now"


def test_indonesian_has_one_form_for_every_count() -> None:
    assert t("team.invite.once", "id", count=1) == "Berlaku sekali, selama 1 jam."
    assert t("team.invite.once", "id", count=48) == "Berlaku sekali, selama 48 jam."
