"""Rebuild `public.csv.gz`: the public sets' extract the offline classifier trains and is scored on.

Run: `python -m services.enricher.classification.data.extract_public --mirrors DIR`, where DIR
holds bare git copies of the source repositories as `owner+name/repo` (the search tool's `fetch`
lays them out so). Every file is read at the commit recorded below, so the same sources give
the same extract, byte for byte.

Each row is `source,split,text,intent,sentiment,language`: a sentiment set leaves `intent`
empty, an intent set leaves `sentiment` empty (neither says the other). `split` is `train` or
`test`: the source's official test split where it has one; where it has none (Bitext, UCI,
PRDECT-ID) a fifth of the lines, chosen by a hash of the text, is held out. Official validation
splits are left out entirely. Intent classes that do not map onto the taxonomy without doubt are
dropped.
Sources, licences and mappings: docs/classification.md.
"""

import argparse
import csv
import gzip
import hashlib
import io
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).with_name("public.csv.gz")
COLUMNS = ("source", "split", "text", "intent", "sentiment", "language")


@dataclass(frozen=True)
class Repository:
    name: str
    commit: str

    def read(self, mirrors: Path, path: str) -> str:
        git_dir = mirrors / self.name.replace("/", "+") / "repo"
        shown = subprocess.run(
            ["git", "--git-dir", str(git_dir), "show", f"{self.commit}:{path}"],
            check=True,
            capture_output=True,
        )
        return shown.stdout.decode("utf-8")


INDONLU = Repository("IndoNLP/indonlu", "ce728f6926a36174b9923dfe49d6a6839b6e9bb7")
NUSAX = Repository("IndoNLP/nusax", "75b0be5d982348332509f296e10d9bf9cb66d60f")
# A copy of UCI's "Sentiment Labelled Sentences" (Kotzias et al., 2015), files unchanged.
UCI_COPY = Repository("Nanofication/TWC-Naive-Bayes", "5bc4715169b40c627e082a27321215a2719a0347")
UCI_FILES = ("amazon_cells_labelled.txt", "Datasets/yelp_labelled.txt")
BITEXT = Repository(
    "bitext/customer-support-llm-chatbot-training-dataset",
    "337b96868e02b40a05f9c0df3290c65a15ea573e",
)
BANKING77 = Repository(
    "PolyAI-LDN/task-specific-datasets", "57ec275d8078af65b7731c2a98be812d844a6d6b"
)
CLINC150 = Repository("clinc/oos-eval", "828f8093932c8fe6ca7936c3d2e52903b1c523de")
PRDECT = Repository(
    "rhiosutoyo/PRDECT-ID-Indonesian-Product-Reviews-Dataset",
    "5d4941b8e033cb59cd401690a5b166bb04ed0859",
)

# Source intent -> taxonomy intent, only where the source's class means ours without doubt.
BITEXT_INTENTS = {
    "track_order": "order_status",
    "delivery_options": "shipping",
    "delivery_period": "shipping",
    "check_payment_methods": "payment",
    "payment_issue": "payment",
    "check_refund_policy": "return_refund",
    "get_refund": "return_refund",
    "track_refund": "return_refund",
    "complaint": "complaint",
    "create_account": "account",
    "delete_account": "account",
    "edit_account": "account",
    "recover_password": "account",
    "registration_problems": "account",
    "switch_account": "account",
    "contact_customer_service": "human_request",
    "contact_human_agent": "human_request",
}
BANKING77_INTENTS = {
    "request_refund": "return_refund",
    "Refund_not_showing_up": "return_refund",
    "declined_card_payment": "payment",
    "pending_card_payment": "payment",
    "apple_pay_or_google_pay": "payment",
    "transaction_charged_twice": "payment",
    "passcode_forgotten": "account",
    "edit_personal_details": "account",
    "terminate_account": "account",
    "verify_my_identity": "account",
}
# Small talk and requests no shop answers fall under `other`; CLINC's shop-like classes
# (order, order_status, ...) are about a bank or an assistant and are dropped.
CLINC150_INTENTS = {
    "greeting": "greeting_thanks",
    "goodbye": "greeting_thanks",
    "thank_you": "greeting_thanks",
    **dict.fromkeys(
        (
            "weather",
            "tell_joke",
            "fun_fact",
            "meaning_of_life",
            "what_is_your_name",
            "how_old_are_you",
            "where_are_you_from",
            "what_are_your_hobbies",
            "do_you_have_pets",
            "who_made_you",
            "play_music",
            "recipe",
            "flip_coin",
            "roll_dice",
            "translate",
        ),
        "other",
    ),
}
SENTIMENTS = {"0": "negative", "1": "positive"}


def _held_out(text: str) -> bool:
    """A fifth of a source without a test split, fixed by the text alone."""
    return hashlib.sha256(text.encode("utf-8")).digest()[0] % 5 == 0


def _own_split(text: str) -> str:
    return "test" if _held_out(text) else "train"


def _smsa(mirrors: Path) -> Iterator[tuple[str, ...]]:
    for split in ("train", "test"):
        tsv = INDONLU.read(mirrors, f"dataset/smsa_doc-sentiment-prosa/{split}_preprocess.tsv")
        for text, label in csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
            yield "smsa", split, text, "", label, "id"


def _nusax(mirrors: Path) -> Iterator[tuple[str, ...]]:
    for folder, language in (("indonesian", "id"), ("english", "en")):
        for split in ("train", "test"):
            table = NUSAX.read(mirrors, f"datasets/sentiment/{folder}/{split}.csv")
            for row in csv.DictReader(io.StringIO(table)):
                yield f"nusax_{language}", split, row["text"], "", row["label"], language


def _uci(mirrors: Path) -> Iterator[tuple[str, ...]]:
    for path in UCI_FILES:  # product and restaurant reviews (not the film ones)
        lines = UCI_COPY.read(mirrors, path)
        for line in lines.splitlines():
            text, label = line.rsplit("\t", 1)
            text = text.strip()
            yield "uci_reviews", _own_split(text), text, "", SENTIMENTS[label.strip()], "en"


def _bitext(mirrors: Path) -> Iterator[tuple[str, ...]]:
    table = BITEXT.read(mirrors, "data/train/Bitext_Sample_Customer_Support_Training_Dataset.csv")
    for row in csv.DictReader(io.StringIO(table)):
        if intent := BITEXT_INTENTS.get(row["intent"]):
            text = row["instruction"].strip()
            yield "bitext", _own_split(text), text, intent, "", "en"


def _banking77(mirrors: Path) -> Iterator[tuple[str, ...]]:
    for split in ("train", "test"):
        table = BANKING77.read(mirrors, f"banking_data/{split}.csv")
        for row in csv.DictReader(io.StringIO(table)):
            if intent := BANKING77_INTENTS.get(row["category"]):
                yield "banking77", split, row["text"], intent, "", "en"


def _clinc150(mirrors: Path) -> Iterator[tuple[str, ...]]:
    sets = json.loads(CLINC150.read(mirrors, "data/data_full.json"))
    for split in ("train", "test"):
        for text, label in sets[split]:
            if intent := CLINC150_INTENTS.get(label):
                yield "clinc150", split, text, intent, "", "en"


def _prdect(mirrors: Path) -> Iterator[tuple[str, ...]]:
    table = PRDECT.read(mirrors, "Dataset/PRDECT-ID Dataset.csv")
    for row in csv.DictReader(io.StringIO(table)):
        text = row["Customer Review"].strip()
        yield "prdect", _own_split(text), text, "", row["Sentiment"].lower(), "id"


SOURCES = (_smsa, _nusax, _uci, _bitext, _banking77, _clinc150, _prdect)


def extract(mirrors: Path) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    seen: set[tuple[str, str]] = set()
    for source in SOURCES:
        for row in source(mirrors):
            key = (row[0], row[2].casefold())
            if row[2] and key not in seen:  # a source's duplicates once
                seen.add(key)
                rows.append(row)
    return rows


def write(rows: list[tuple[str, ...]], path: Path = OUT) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    # mtime 0 and no file name: the same rows give the same bytes
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(text.getvalue().encode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mirrors", type=Path, required=True, help="owner+name/repo git dirs")
    rows = extract(parser.parse_args().mirrors)
    write(rows)
    print(f"{OUT.name}: {len(rows)} rows, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
