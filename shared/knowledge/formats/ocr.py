"""Optical character recognition with the Tesseract program, in English and Indonesian.

Tesseract runs as a subprocess fed a PNG on stdin (no temporary files), one thread per call so
concurrent extractions on a small machine do not fight over cores. The program and its `eng`
and `ind` language data come from the system packages tesseract-ocr, tesseract-ocr-eng and
tesseract-ocr-ind (`make run`/`make test` and the Docker image install them).
"""

import io
import os
import shutil
import subprocess

from PIL import Image, ImageOps

from shared.knowledge.document import ExtractionError
from shared.knowledge.failures import FailureCode
from shared.knowledge.formats.sections import tidy

LANGUAGES = "eng+ind"
TIMEOUT_SECONDS = 180
# Tesseract reads best with letters some 20-40 px tall: small images are enlarged, huge ones
# shrunk (a 48-megapixel photo gains nothing over 5,000 px and costs minutes).
_ENLARGE_BELOW = 1600
_SHRINK_ABOVE = 5000


def ocr(image: Image.Image) -> str:
    """The text Tesseract reads in `image` (possibly empty), tidied."""
    program = shutil.which("tesseract")
    if program is None:
        raise ExtractionError(FailureCode.OCR_MISSING)
    command = [program, "stdin", "stdout", "-l", LANGUAGES, "--psm", "3"]
    try:
        finished = subprocess.run(
            command,
            input=_prepared_png(image),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ExtractionError(FailureCode.OCR_TIMEOUT, seconds=TIMEOUT_SECONDS) from error
    if finished.returncode != 0:
        detail = finished.stderr.decode("utf-8", "replace").strip().splitlines()
        last = detail[-1] if detail else "tesseract exited"
        raise ExtractionError(FailureCode.OCR_FAILED, detail=last)
    return tidy(finished.stdout.decode("utf-8", "replace"))


def _prepared_png(image: Image.Image) -> bytes:
    """Upright, grey and at a size Tesseract likes, as PNG (Tesseract may lack WEBP)."""
    image = ImageOps.exif_transpose(image).convert("L")
    longest = max(image.size)
    if longest < _ENLARGE_BELOW:
        image = image.resize((image.width * 2, image.height * 2), Image.Resampling.LANCZOS)
    elif longest > _SHRINK_ABOVE:
        image.thumbnail((_SHRINK_ABOVE, _SHRINK_ABOVE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
