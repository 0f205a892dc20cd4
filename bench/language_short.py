"""`python -m bench.language_short`: how often does the reply-language detector tell the
language of a short text, on real public texts rather than cases written to fit it?

The texts are the public sets' extract the offline classifier is scored on
(`services/enricher/classification/data/public.csv.gz`, docs/classification.md): Indonesian
comments and reviews (SmSA, NusaX-Indonesian), their English translations (NusaX-English),
English reviews (UCI) and English customer requests (Bitext, Banking77, CLINC150). A customer's
WhatsApp question is often as short as a text's first few words, so each text is also cut to
its first 2, 3 and 4 words. `wording.detect_language`, as it reads a customer's message, either
tells the language (right or wrong: the same whatever the default) or does not (the store's
language is then used). Printed per source and length, on the extract's `train` or `test`
split: words are chosen on `train` and reported on `test`.
"""

import argparse
import csv
import gzip
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from shared.answering.wording import detect_language
from shared.stores.bot_settings import Language

EXTRACT = Path("services/enricher/classification/data/public.csv.gz")
LENGTHS = (2, 3, 4, 0)  # first n words; 0: the whole text


def read_texts(split: str) -> list[tuple[str, str, str]]:
    """(source, language, text) of the extract's rows in `split`."""
    with gzip.open(EXTRACT, "rt", encoding="utf-8", newline="") as handle:
        return [
            (row["source"], row["language"], row["text"])
            for row in csv.DictReader(handle)
            if row["split"] == split
        ]


def told(texts: list[tuple[str, str, str]], length: int) -> dict[str, Counter[str]]:
    """Per source: how many texts cut to `length` words were told right, wrong, or not told."""
    counts: dict[str, Counter[str]] = {}
    for source, language, text in texts:
        words = text.split()
        cut = " ".join(words[:length] if length else words)
        said = {detect_language(cut, default) for default in Language}
        verdict = (
            "not told" if len(said) > 1 else "right" if said.pop().value == language else "wrong"
        )
        counts.setdefault(source, Counter())[verdict] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.language_short", description=__doc__)
    parser.add_argument("--split", choices=["train", "test"], default="test")
    split = parser.parse_args().split
    texts = read_texts(split)
    table = Table(
        title=f"Language of short texts, public extract ({split}): right / wrong / not told"
    )
    table.add_column("source")
    table.add_column("texts", justify="right")
    for length in LENGTHS:
        table.add_column(f"first {length} words" if length else "whole text", justify="right")
    results = {length: told(texts, length) for length in LENGTHS}
    for source in sorted(results[0]):
        row = [source, str(sum(results[0][source].values()))]
        for length in LENGTHS:
            c = results[length][source]
            n = sum(c.values())
            row.append(f"{c['right'] / n:.3f} / {c['wrong'] / n:.3f} / {c['not told'] / n:.3f}")
        table.add_row(*row)
    Console().print(table)


if __name__ == "__main__":
    main()
