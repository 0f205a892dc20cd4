"""The dictionary table's builder (bench/wikdict_table.py) on FreeDict's dictd text (its
pronunciations, IPA there, written in plain letters here)."""

from bench.wikdict_table import senses

ENTRIES = """\
broken //broken// <adj>
1. patah, pecah, retak, rusak
not working properly
2. rusak
financially ruined
3. bangkrut
third sense
fresh //fresh// <adj>
segar 2.
new or clean
 3.
refreshing or cool
fried chicken /fried chicken/ <n>
ayam goreng
dammit //dammit// <interjection>
sialan
inn //in// //inn// <n>
rumah inap, losmen
lodging
"""


def test_each_kept_sense_is_one_line_of_one_word_translations() -> None:
    assert senses(ENTRIES) == [
        ("broken", ("patah", "pecah", "retak", "rusak")),
        ("broken", ("rusak",)),  # the first two senses only
        ("fresh", ("segar",)),  # a sense number stuck to the line is no word
        ("inn", ("losmen",)),  # "rumah inap" is two words
    ]
