"""`python -m bench.root_list DIC`: rebuild `shared/text/data/roots.txt`, Indonesian root words.

DIC is `id_ID.dic` of the Indonesian Hunspell dictionary (LibreOffice's dictionaries, as
Debian's `hunspell-id` package installs it in `/usr/share/hunspell`; licence and version in
`shared/text/data/README.md`). A Hunspell dictionary lists roots and gives each its affixes as
flags (`kirim/B0BaD0...`): its words are roots, checked against the lemmas of KBBI's third
edition, so "penting", "paling" and "kering" are there and "pengiriman" is not.

Kept: lower-case words of three letters or more, letters only (names, abbreviations,
reduplications with a hyphen and two-letter words left out: the stemmer never stops on them).
"""

import argparse
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / "shared" / "text" / "data" / "roots.txt"
HEADER = (
    "# Indonesian root words from the Indonesian Hunspell dictionary's id_ID.dic (LGPL-3, see\n"
    "# README.md), built by bench/root_list.py: one a line, lower case, letters only.\n"
)


def roots(dictionary: Path) -> list[str]:
    lines = dictionary.read_text("latin-1").splitlines()[1:]  # the first line is the count
    words = {line.split("/")[0].strip() for line in lines}
    return sorted(w for w in words if len(w) >= 3 and w.isascii() and w.isalpha() and w.islower())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dic", type=Path, help="id_ID.dic of the Indonesian Hunspell dictionary")
    found = roots(parser.parse_args().dic)
    OUTPUT.write_text(HEADER + "\n".join(found) + "\n", "utf-8")
    print(f"{len(found)} roots written to {OUTPUT}")


if __name__ == "__main__":
    main()
