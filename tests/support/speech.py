"""Real speech for voice-note tests: espeak-ng says the words, opusenc makes the OGG/Opus file a
WhatsApp voice note is (the Makefile's system-deps-test installs both)."""

import functools
import subprocess

VOICES = {"id": "id", "en": "en-us"}


@functools.cache
def voice_note(words: str, language: str) -> bytes:
    """`words` spoken in `language` (`id` or `en`), as OGG/Opus bytes."""
    wave = subprocess.run(
        ["espeak-ng", "-v", VOICES[language], "-s", "150", "--stdout", words],
        check=True,
        capture_output=True,
    ).stdout
    return subprocess.run(
        ["opusenc", "--quiet", "-", "-"], input=wave, check=True, capture_output=True
    ).stdout
