"""PDF: each page's text layer through pypdf; a page without one is rendered and OCR'd."""

import io
import math

import pypdfium2
from PIL import Image
from pypdf import PasswordType, PdfReader

from shared.knowledge.document import ExtractionError, Limits, Section
from shared.knowledge.failures import FailureCode
from shared.knowledge.formats.ocr import ocr
from shared.knowledge.formats.sections import tidy

# A page with fewer visible characters than this is a scan (a page number or a stray header
# does not make a text layer).
_MIN_TEXT_CHARACTERS = 20
_OCR_DPI = 300
_POINTS_PER_INCH = 72


def read_pdf(data: bytes, limits: Limits) -> tuple[list[Section], int]:
    """The pages' sections ("page N") and the page count."""
    reader = _open(data)
    try:
        count = len(reader.pages)
    except Exception as error:  # a damaged page tree
        raise ExtractionError(FailureCode.PDF_DAMAGED) from error
    if count > limits.max_pages:
        raise ExtractionError(FailureCode.PDF_TOO_MANY_PAGES, pages=count, limit=limits.max_pages)
    sections = []
    renderer: pypdfium2.PdfDocument | None = None
    try:
        for number in range(1, count + 1):
            text = _text_layer(reader, number)
            if sum(not char.isspace() for char in text) < _MIN_TEXT_CHARACTERS:
                renderer = renderer or _renderer(data)
                text = ocr(_render(renderer, number, limits)) or text
            if text:
                sections.append(Section(text, None, "text", f"page {number}"))
    finally:
        if renderer is not None:
            renderer.close()
    return sections, count


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise ExtractionError(FailureCode.PDF_PASSWORD)
    except ExtractionError:
        raise
    except Exception as error:  # pypdf raises many types on damaged files
        raise ExtractionError(FailureCode.PDF_DAMAGED) from error
    return reader


def _text_layer(reader: PdfReader, number: int) -> str:
    try:
        return tidy(reader.pages[number - 1].extract_text())
    except Exception:  # one odd page's text layer; OCR still reads what it shows
        return ""


def _renderer(data: bytes) -> pypdfium2.PdfDocument:
    try:
        return pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        raise ExtractionError(FailureCode.PDF_NOT_RENDERED) from error


def _render(document: pypdfium2.PdfDocument, number: int, limits: Limits) -> Image.Image:
    """The page at 300 dpi, or less when that would pass the pixel limit (huge page sizes)."""
    page = document[number - 1]
    try:
        width, height = page.get_size()
        area = max(width * height, 1.0)
        scale = min(_OCR_DPI / _POINTS_PER_INCH, math.sqrt(limits.max_image_pixels / area))
        image: Image.Image = page.render(scale=scale, grayscale=True).to_pil()
        return image
    except pypdfium2.PdfiumError as error:
        raise ExtractionError(FailureCode.PDF_PAGE_NOT_RENDERED, page=number) from error
    finally:
        page.close()
