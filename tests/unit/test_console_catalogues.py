"""Both UI catalogues complete and every entry in use: a key missing from one language, a
placeholder one translation forgot, or an entry no page, script or module asks for fails here."""

import re
import string
from pathlib import Path

import pytest

from services.console.i18n import LANGUAGES, catalogue

CONSOLE = Path(__file__).parents[2] / "services" / "console"
SOURCES = [
    path
    for path in CONSOLE.rglob("*")
    if path.suffix in (".py", ".html", ".js") and "vendor" not in path.parts
]
# A key built at run time: "tick." ~ m.tick (Jinja), f"dash.{key}" (Python), "x." + y (JS).
BUILT_STEM = re.compile(r"""f?["']([a-z_]+(?:\.[a-z_0-9]+)*\.)(?:["']\s*[~+]|\{)""")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


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
