"""PNG, JPEG and WEBP images (price lists, photographed notices): their text through OCR."""

import io

from PIL import Image

from shared.knowledge.document import ExtractionError, Limits, Section
from shared.knowledge.failures import FailureCode
from shared.knowledge.formats.ocr import ocr


def read_image(data: bytes, limits: Limits) -> list[Section]:
    image = open_image(data, limits)
    text = ocr(image)
    if not text:
        raise ExtractionError(FailureCode.IMAGE_NO_TEXT)
    return [Section(text, None, "text", "image")]


def open_image(data: bytes, limits: Limits) -> Image.Image:
    """The decoded image, after its header showed a pixel count within the limit.

    The size is checked before any pixel is decoded, so a tiny file that claims a huge canvas
    (a decompression bomb) costs nothing.
    """
    try:
        image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        raise ExtractionError(
            FailureCode.IMAGE_TOO_MANY_PIXELS, limit=limits.max_image_pixels
        ) from error
    except (OSError, ValueError, SyntaxError) as error:
        raise ExtractionError(FailureCode.IMAGE_DAMAGED) from error
    width, height = image.size
    if width * height > limits.max_image_pixels:
        raise ExtractionError(
            FailureCode.IMAGE_TOO_LARGE, width=width, height=height, limit=limits.max_image_pixels
        )
    try:
        image.load()
    except (OSError, ValueError, SyntaxError) as error:
        raise ExtractionError(FailureCode.IMAGE_DAMAGED) from error
    return image
