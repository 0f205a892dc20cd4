"""`python -m bench.classify_validation --mirrors DIR`: where the offline model's parameters are
chosen, so the test splits stay for the final score.

Reads the public sets' official validation splits (SmSA, NusaX-id, NusaX-en), which nothing
else reads, from the mirrors `extract_public` reads (same commits), and holds out a fifth of the
training sentences of the sets without one (UCI, PRDECT-ID; chosen by another hash than their
test fifth). Fits the current configuration (`training.py`) on the training rows without those
sentences and their near copies, and prints the same tables as `balas classify --evaluate`.
About two minutes; nothing is written.
"""

import argparse
import asyncio
import csv
import hashlib
import io
from pathlib import Path

from rich.console import Console

from balas.classify import evaluation_tables
from services.enricher.classification.data.extract_public import INDONLU, NUSAX
from services.enricher.classification.datasets import Labelled, ScoredTexts, training_rows
from services.enricher.classification.evaluation import evaluate_source
from services.enricher.classification.offline import OfflineClassifier, OfflineModel
from services.enricher.classification.training import fit


def _validation_splits(mirrors: Path) -> dict[str, list[Labelled]]:
    tsv = INDONLU.read(mirrors, "dataset/smsa_doc-sentiment-prosa/valid_preprocess.tsv")
    rows = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    splits = {"smsa": [Labelled("smsa", text, "", label, "id") for text, label in rows]}
    for folder, language in (("indonesian", "id"), ("english", "en")):
        table = NUSAX.read(mirrors, f"datasets/sentiment/{folder}/valid.csv")
        splits[f"nusax_{language}"] = [
            Labelled(f"nusax_{language}", row["text"], "", row["label"], language)
            for row in csv.DictReader(io.StringIO(table))
        ]
    return splits


# Sources without a validation split: a fifth of their training sentences stands for one.
WITHOUT_VALIDATION = ("uci_reviews", "prdect")


def _held_for_validation(row: Labelled) -> bool:
    return (
        row.source in WITHOUT_VALIDATION
        and int(hashlib.sha256(row.text.encode()).hexdigest(), 16) % 5 == 0
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.classify_validation", description=__doc__
    )
    parser.add_argument("--mirrors", type=Path, required=True, help="bare git copies, owner+name")
    arguments = parser.parse_args()
    splits = _validation_splits(arguments.mirrors)
    rows = training_rows()
    for source in WITHOUT_VALIDATION:
        splits[source] = [row for row in rows if row.source == source and _held_for_validation(row)]
    held = ScoredTexts([row.text for split in splits.values() for row in split])
    trained = [row for row in rows if not _held_for_validation(row) and row.text not in held]
    classifier = OfflineClassifier(OfflineModel(fit(trained)))
    evaluations = [
        asyncio.run(evaluate_source(classifier, source, split)) for source, split in splits.items()
    ]
    print(f"{len(trained):,} training rows; validation, not test:")
    for table in evaluation_tables(evaluations):
        Console(width=100).print(table)


if __name__ == "__main__":
    main()
