"""Indonesian, English or other, by counting each language's common words; no model needed.

A message with words of both is code-mixed (normal in Indonesian chat); its language is the
one with more words, Indonesian on a tie. A message with none of these words is `other`.
"""

import re

from services.enricher.classification.labels import Language


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_INDONESIAN = _words(
    """
    yang yg ini itu saya sy aku ak gue gw kamu anda kak kakak min admin gan agan sis bang mas
    mbak udah udh sudah sdh belum blm blom ga gak nggak ngga engga enggak tidak tdk bisa bs ada
    apa apakah berapa brp dong ya iya sih kok mau pengen ingin dan di ke dari untuk utk buat sama
    dengan dgn atau juga lagi lg masih kalau kalo klo gimana bagaimana gmn kapan dimana mana
    kenapa terima kasih makasih mksh tolong mohon halo hai selamat pagi siang sore malam pesanan
    barang harga ongkir kirim dikirim bayar sampai sampe aja saja banget bgt bener sudah
    deh nih tuh punya baru lama cepat cepet boleh minta cara jadi tapi tp karena krn kenapa
    belanja beli dibantu bantu pakai pake berapa hari minggu sekarang kemarin besok oke sip
    siap mantap tes wkwk wkwkwk permisi assalamualaikum gimana ukuran warna stok habis
    """
)
_ENGLISH = _words(
    """
    the a an is are was were be been my your you i me we our it this that these those to of
    for and or with will would can could do does did how what when where why which who please
    thanks thank hi hello hey have has had not no yes still yet just any there here from by at
    on in about want need get got like love great good bad really very so too much many
    morning evening afternoon bye ok okay sorry should if than then but because its it's i'm
    don't doesn't can't haven't hasn't isn't
    """
)
_WORD = re.compile(r"[a-z']+")


def detect_language(text: str) -> tuple[Language, bool]:
    """The main language and whether the message is code-mixed."""
    indonesian = english = 0
    for word in _WORD.findall(text.lower()):
        if word in _INDONESIAN or (len(word) > 4 and word.endswith("nya")):
            indonesian += 1
        elif word in _ENGLISH:
            english += 1
    if indonesian == english == 0:
        return Language.OTHER, False
    language = Language.ID if indonesian >= english else Language.EN
    return language, indonesian > 0 and english > 0
