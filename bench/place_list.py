"""`python -m bench.place_list PROVINCES REGENCIES`: rebuild `shared/text/data/place_names.txt`.

PROVINCES and REGENCIES are `csv/provinces.csv` and `csv/regencies.csv` of
github.com/edwardsamuel/Wilayah-Administratif-Indonesia (Indonesia's 34 provinces and 514
regencies and cities, from Statistics Indonesia (BPS); data under the ODbL 1.0, source and
commit in `shared/text/data/README.md`), lines `id,name` and `id,province_id,name` in capitals
("3273,32,KOTA BANDUNG").

Kept: each word of four letters or more of a name ("bandung", "aceh", "singkil"), lower case
(chat does not capitalise names), without "kabupaten" and "kota" and without the words that
name a part of a place rather than a place (`GENERIC`: "utara", "barat", "kepulauan"...). The
typo tolerance never corrects a word under four letters, so shorter ones would say nothing.
"""

import argparse
import csv
import re
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "shared" / "text" / "data" / "place_names.txt"
# Words of names that say which part of a place, or what kind of place, not which place.
GENERIC = frozenset(
    {"kabupaten", "kota", "utara", "selatan", "barat", "timur", "tengah", "tenggara", "daya"}
    | {"kepulauan", "pulau", "raya", "jaya", "baru", "laut", "hulu", "hilir", "bagian"}
)
HEADER = (
    "# Words of the names of Indonesia's provinces, regencies and cities (BPS data by\n"
    "# edwardsamuel/Wilayah-Administratif-Indonesia, ODbL 1.0, see README.md), built by\n"
    "# bench/place_list.py: one a line, lower case.\n"
)


def place_words(*tables: Path) -> list[str]:
    words: set[str] = set()
    for table in tables:
        with table.open(encoding="utf-8", newline="") as rows:
            for row in csv.reader(rows):
                words.update(re.findall(r"[a-z]{4,}", row[-1].lower()))
    return sorted(words - GENERIC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("provinces", type=Path, help="csv/provinces.csv")
    parser.add_argument("regencies", type=Path, help="csv/regencies.csv")
    arguments = parser.parse_args()
    found = place_words(arguments.provinces, arguments.regencies)
    OUTPUT.write_text(HEADER + "\n".join(found) + "\n", "utf-8")
    print(f"{len(found)} place words written to {OUTPUT}")


if __name__ == "__main__":
    main()
