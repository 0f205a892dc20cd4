"""PNG, JPEG and WEBP images (price lists, photographed notices): their text through OCR."""

import io

from PIL import Image

from shared.knowledge.document import ExtractionError, Limits, Section
from shared.knowledge.formats.ocr import ocr


def read_image(data: bytes, limits: Limits) -> list[Section]:
    image = open_image(data, limits)
    text = ocr(image)
    if not text:
        raise ExtractionError(
            "no text could be read from the image (is it sharp, upright and large enough?)"
        )
    return [Section(text, None, "text", "image")]


def open_image(data: bytes, limits: Limits) -> Image.Image:
    """The decoded image, after its header showed a pixel count within the limit.

    The size is checked before any pixel is decoded, so a tiny file that claims a huge canvas
    (a decompression bomb) costs nothing.
    """
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        raise ExtractionError(_too_large(limits)) from error
    except (OSError, ValueError, SyntaxError) as error:
        raise ExtractionError("the image is damaged and cannot be read") from error
    width, height = image.size
    if width * height > limits.max_image_pixels:
        raise ExtractionError(_too_large(limits, f"{width} x {height} pixels"))
    try:
        image.load()
    except (OSError, ValueError, SyntaxError) as error:
        raise ExtractionError("the image is damaged and cannot be read") from error
    return image


def _too_large(limits: Limits, size: str = "too many pixels") -> str:
    return f"the image is too large ({size}); the limit is {limits.max_image_pixels:,} pixels"
