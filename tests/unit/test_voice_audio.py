"""The length of a voice note read from its OGG/Opus header, on real speech (espeak-ng and
opusenc, as in the Makefile's system-deps-test), and nothing made up for other files."""

from services.responder.audio import opus_seconds
from tests.support.speech import voice_note


def test_a_spoken_sentence_lasts_what_the_encoder_wrote() -> None:
    short = voice_note("Halo", "id")
    longer = voice_note("Halo kak, saya mau tanya ongkos kirim ke Surabaya berapa ya?", "id")

    short_seconds, longer_seconds = opus_seconds(short), opus_seconds(longer)

    assert short_seconds is not None
    assert longer_seconds is not None
    assert 0 < short_seconds < longer_seconds < 15


def test_files_that_are_not_ogg_opus_have_no_length() -> None:
    note = voice_note("Hello", "en")

    assert opus_seconds(b"ID3\x04" + note) is None  # an MP3's tag: not OGG at all
    assert opus_seconds(note.replace(b"OpusHead", b"VorbisHd")) is None  # OGG, not Opus
    assert opus_seconds(note[:20]) is None  # cut inside the first page
