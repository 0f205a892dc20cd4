"""`extract_public` reads each source at its recorded commit and maps it onto the taxonomy: checked
on small git copies written here, laid out as the mirrors are (`owner+name/repo`)."""

import subprocess
from pathlib import Path

import pytest

from services.enricher.classification.data import extract_public
from services.enricher.classification.data.extract_public import Repository


def _mirror(mirrors: Path, name: str, files: dict[str, str]) -> Repository:
    """A bare one-commit git copy of `name` holding `files`; the repository at that commit."""
    work = mirrors / "work" / name
    for path, text in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(text, encoding="utf-8")

    def git(*arguments: str) -> str:
        identity = ("-c", "user.name=test", "-c", "user.email=test@example.com")
        done = subprocess.run(["git", *identity, *arguments], check=True, capture_output=True)
        return done.stdout.decode().strip()

    git("-C", str(work), "init", "-q")
    git("-C", str(work), "add", ".")
    git("-C", str(work), "commit", "-q", "-m", "data")
    git("clone", "-q", "--bare", str(work), str(mirrors / name.replace("/", "+") / "repo"))
    return Repository(name, git("-C", str(work), "rev-parse", "HEAD"))


def test_prdect_reviews_keep_their_sentiment_and_a_fifth_is_held_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = (
        "Category,Product Name,Location,Price,Overall Rating,Number Sold,Total Review,"
        "Customer Rating,Customer Review,Sentiment,Emotion\n"
    )
    reviews = [f"barang nomor {number} bagus, pengiriman cepat" for number in range(40)]
    table = header + "".join(
        f'Fashion,"Kaos",Jakarta,50000,4.9,10,5,{5 if n % 2 else 1},"{text} ",'
        f"{'Positive' if n % 2 else 'Negative'},Happy\n"
        for n, text in enumerate(reviews)
    )
    repository = _mirror(
        tmp_path, extract_public.PRDECT.name, {"Dataset/PRDECT-ID Dataset.csv": table}
    )
    monkeypatch.setattr(extract_public, "PRDECT", repository)

    rows = list(extract_public._prdect(tmp_path))

    assert [row[2] for row in rows] == reviews  # stripped, in order
    assert {row[4] for row in rows[1::2]} == {"positive"}
    assert {row[4] for row in rows[0::2]} == {"negative"}
    assert {(row[0], row[3], row[5]) for row in rows} == {("prdect", "", "id")}
    held = [row for row in rows if row[1] == "test"]
    assert 0 < len(held) < len(rows) / 2  # about a fifth, by the text's hash
    assert {row[1] for row in rows} == {"train", "test"}
