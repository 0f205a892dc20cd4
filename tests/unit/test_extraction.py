"""Extraction: every supported format from its bytes alone, OCR in English and Indonesian, and
hostile uploads (damaged, locked, bombs, oversize, wrong type) failing with a readable reason.

Hostile files are built here at run time; the sample store under tests/fixtures is committed.
"""

import csv
import io
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import openpyxl
import pypdf
import pytest
from PIL import Image

from shared.knowledge.extraction import (
    ExtractedDocument,
    ExtractionError,
    Limits,
    UnsupportedType,
    detect_type,
    extract,
    full_text,
)

SAMPLE_STORE = Path(__file__).resolve().parents[1] / "fixtures" / "sample_store"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sample(name: str) -> bytes:
    return (SAMPLE_STORE / name).read_bytes()


def text_of(doc: ExtractedDocument) -> str:
    return " ".join(full_text(doc).split())


def build_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Selamat datang di Toko Batik Sari.")
    document.add_heading("Pengiriman", level=1)
    document.add_paragraph("Kami kirim setiap hari kerja.")
    document.add_heading("Ongkos kirim", level=2)
    table = document.add_table(rows=3, cols=3)
    for row, values in zip(
        table.rows,
        [
            ["Tujuan", "Ongkir", "Estimasi"],
            ["Jawa", "Rp 12.000", "2-3 hari"],
            ["Bali", "", "5 hari"],
        ],
        strict=True,
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_heading("Garansi", level=1)
    document.add_paragraph("Garansi jahitan 30 hari.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Harga"
    sheet.append(["Produk", "Harga", "Aktif"])
    sheet.append(["Kemeja Parang", 285000.0, True])
    sheet.append([None, None, None])
    sheet.append(["Kain Lasem", 1250000, False])
    other = workbook.create_sheet("Stok")
    other.append(["Produk", "Stok"])
    other.append(["Blangkon", 15])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_pdf(pages: int = 1) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="pemilik-toko", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zip_of(members: dict[str, bytes | int]) -> bytes:
    """A deflated ZIP; an int member is that many zero bytes, streamed in (a bomb's payload)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            if isinstance(content, bytes):
                archive.writestr(name, content)
                continue
            with archive.open(name, "w", force_zip64=True) as member:
                block = bytes(1024 * 1024)
                for _ in range(content // len(block)):
                    member.write(block)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge canvas but carries almost no pixels: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(width + 1)))
        + chunk(b"IEND", b"")
    )


def image_bytes(image: Image.Image, format: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, quality=95)
    return buffer.getvalue()


# Detection -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("katalog-produk.csv", "text/csv"),
        ("faq.docx", DOCX),
        ("kebijakan-pengiriman.pdf", PDF),
        ("kebijakan-pengembalian.md", "text/markdown"),
        ("promo-gajian.png", "image/png"),
        ("pengumuman-libur-scan.pdf", PDF),
    ],
)
def test_each_sample_file_is_recognised_by_its_content(name: str, content_type: str) -> None:
    assert detect_type(sample(name)) == content_type


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"<!DOCTYPE html><html><body><p>Halo</p></body></html>", "text/html"),
        (b"  <div><h1>Promo</h1><p>Diskon</p></div>", "text/html"),
        (b"Nama;Harga;Stok\nKemeja;285000;24\nKain;185000;40\n", "text/csv"),
        (b"Nama\tHarga\nKemeja\t285000\n", "text/csv"),
        (b"# Jam buka\n\nSenin sampai Jumat.\n", "text/markdown"),
        (b"Syarat:\n- belum dipakai\n- tag masih ada\n", "text/markdown"),
        (b"Toko buka setiap hari. Terima kasih, kak.\nSampai jumpa lagi.\n", "text/plain"),
        (b"File kami diawali %PDF-1.7 seperti biasa.", "text/plain"),
        (b"\x00\x01junk from a scanner\n%PDF-1.4\n", PDF),
        (b"\xef\xbb\xbfHarga spesial hari ini.", "text/plain"),
        ("Harga €5 für Café".encode("cp1252"), "text/plain"),
        ("Ongkir ke Bali\n\nLima hari".encode("utf-16"), "text/plain"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    ],
)
def test_types_are_detected_from_the_bytes(data: bytes, content_type: str) -> None:
    assert detect_type(data) == content_type


def test_an_office_file_is_told_apart_by_its_members_not_a_name() -> None:
    assert detect_type(build_docx()) == DOCX
    assert detect_type(build_xlsx()) == XLSX


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x7fELF\x02\x01\x01" + bytes(64), "program"),
        (b"MZ\x90\x00\x03" + bytes(64), "program"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), r"\.docx/\.xlsx"),
        (b"GIF89a" + bytes(16), "GIF"),
        (bytes(range(256)) * 4, "binary data"),
        (b"   \n\t ", "empty"),
        (zip_of({"foto.jpg": b"\xff\xd8\xff"}), "neither a Word"),
        (b"PK\x03\x04 not really a zip", "damaged ZIP"),
    ],
)
def test_other_content_is_refused_with_what_it_is(data: bytes, reason: str) -> None:
    with pytest.raises(UnsupportedType, match=reason):
        extract(data)


# Formats ---------------------------------------------------------------------------------------


def test_csv_rows_become_sections_named_by_their_header() -> None:
    doc = extract(sample("katalog-produk.csv"))

    assert doc.content_type == "text/csv"
    assert len(doc.sections) == 15
    first = doc.sections[0]
    assert first.kind == "row"
    assert first.locator == "row 2"  # the header is row 1, as a spreadsheet shows it
    assert first.text.startswith(
        "SKU: BTK-001; Nama Produk: Kemeja Batik Parang Lengan Panjang; Kategori: Kemeja Pria; "
        "Harga (IDR): 285000; Stok: 24; URL: https://"
    )


def test_csv_with_semicolons_and_quoted_values() -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerows([["Nama", "Catatan"], ["Kemeja", "ukuran M; L"], ["Kain", ""]])

    doc = extract(buffer.getvalue().encode())

    assert [section.text for section in doc.sections] == [
        "Nama: Kemeja; Catatan: ukuran M; L",
        "Nama: Kain",
    ]


def test_docx_headings_start_sections_and_table_rows_keep_column_names() -> None:
    doc = extract(build_docx())

    assert [(s.kind, s.heading, s.locator, s.text) for s in doc.sections] == [
        ("text", None, "start", "Selamat datang di Toko Batik Sari."),
        ("text", "Pengiriman", "§ Pengiriman", "Kami kirim setiap hari kerja."),
        (
            "row",
            "Pengiriman > Ongkos kirim",
            "table 1, row 2",
            "Tujuan: Jawa; Ongkir: Rp 12.000; Estimasi: 2-3 hari",
        ),
        ("row", "Pengiriman > Ongkos kirim", "table 1, row 3", "Tujuan: Bali; Estimasi: 5 hari"),
        ("text", "Garansi", "§ Garansi", "Garansi jahitan 30 hari."),
    ]


def test_the_sample_faq_keeps_its_answers_under_their_questions_headings() -> None:
    doc = extract(sample("faq.docx"))

    payment = [s for s in doc.sections if s.heading and s.heading.endswith("Pembayaran (Payment)")]
    assert any("QRIS" in s.text for s in payment)
    assert "Bank: BCA; Nomor Rekening: 123-456-7890; Atas Nama: PT Batik Sari Nusantara" in [
        s.text for s in payment if s.kind == "row"
    ]
    hours = next(s for s in doc.sections if "Jam Operasional" in (s.heading or ""))
    assert "09.00-17.00 WIB" in hours.text


def test_xlsx_rows_carry_their_sheet_and_plain_numbers() -> None:
    doc = extract(build_xlsx())

    assert doc.content_type == XLSX
    assert [(s.heading, s.locator, s.text) for s in doc.sections] == [
        ("Harga", "Harga, row 2", "Produk: Kemeja Parang; Harga: 285000; Aktif: yes"),
        ("Harga", "Harga, row 4", "Produk: Kain Lasem; Harga: 1250000; Aktif: no"),
        ("Stok", "Stok, row 2", "Produk: Blangkon; Stok: 15"),
    ]


def test_pdf_text_layer_is_read_page_by_page() -> None:
    doc = extract(sample("kebijakan-pengiriman.pdf"))

    assert doc.pages == 2
    assert [s.locator for s in doc.sections] == ["page 1", "page 2"]
    page_one, page_two = (" ".join(s.text.split()) for s in doc.sections)
    assert "Pulau Jawa: ongkir flat Rp 12.000" in page_one
    assert "SiCepat" in page_one
    assert "Nomor resi dikirim lewat WhatsApp" in page_two


def test_a_scanned_pdf_page_is_read_by_ocr() -> None:
    doc = extract(sample("pengumuman-libur-scan.pdf"))

    assert doc.pages == 1
    text = text_of(doc)
    assert "LEBARAN" in text
    assert "28 Maret" in text
    assert "7 April 2025" in text
    assert "ketidaknyamanannya" in text  # an Indonesian word the English model alone garbles


def test_png_text_is_read_by_ocr() -> None:
    doc = extract(sample("promo-gajian.png"))

    assert doc.content_type == "image/png"
    assert doc.sections[0].locator == "image"
    text = text_of(doc)
    assert "Diskon 20%" in text
    assert "GAJIAN20" in text
    assert "Rp 300.000" in text


@pytest.mark.parametrize(
    ("format", "content_type"), [("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_jpeg_and_webp_are_read_by_ocr(format: str, content_type: str) -> None:
    promo = Image.open(io.BytesIO(sample("promo-gajian.png")))

    doc = extract(image_bytes(promo, format))

    assert doc.content_type == content_type
    assert "Diskon 20%" in text_of(doc)


def test_an_image_without_text_fails_with_a_reason() -> None:
    blank = image_bytes(Image.new("L", (400, 300), color=255), "PNG")

    with pytest.raises(ExtractionError, match="no text could be read from the image"):
        extract(blank)


def test_markdown_headings_paragraphs_and_table_rows() -> None:
    doc = extract(sample("kebijakan-pengembalian.md"))

    conditions = next(s for s in doc.sections if s.locator == "§ Syarat Pengembalian")
    assert (
        conditions.heading == "Kebijakan Pengembalian Barang (Return Policy) > Syarat Pengembalian"
    )
    assert "paling lambat 7 hari" in conditions.text
    assert "video unboxing" in conditions.text
    rows = [s for s in doc.sections if s.kind == "row"]
    assert rows[1].text == (
        "Alasan retur: Ukuran tidak pas; Ongkir retur: Ditanggung pembeli; "
        "Penyelesaian: Tukar ukuran, maksimal 1 kali"
    )
    assert rows[1].locator == "table 1, row 3"


def test_markdown_inside_a_code_fence_is_not_a_heading() -> None:
    doc = extract(b"# Panduan\n\n```\n# bukan judul\n```\n\nSelesai.\n")

    assert {s.heading for s in doc.sections} == {"Panduan"}
    assert "# bukan judul" in full_text(doc)


def test_plain_text_paragraphs() -> None:
    doc = extract("Toko buka jam 9.\n\n\nTutup jam 5, kak.\r\nTerima kasih.".encode("cp1252"))

    assert doc.content_type == "text/plain"
    assert [(s.locator, s.text) for s in doc.sections] == [
        ("paragraph 1", "Toko buka jam 9."),
        ("paragraph 2", "Tutup jam 5, kak.\nTerima kasih."),
    ]


def test_html_keeps_readable_text_and_headings_and_drops_page_furniture() -> None:
    page = b"""<!doctype html><html><head><title>Toko</title><style>p{color:red}</style></head>
    <body><nav><a href="/">Beranda</a> <a href="/keranjang">Keranjang</a></nav>
    <h1>Cara Pesan</h1><p>Pilih produk,
      lalu <b>checkout</b>.<br>Bayar dalam 24 jam.</p>
    <ul><li>Transfer BCA</li><li>QRIS</li></ul>
    <h2>Ongkir</h2>
    <table><tr><th>Tujuan</th><th>Ongkir</th></tr><tr><td>Jawa</td><td>Rp 12.000</td></tr></table>
    <script>track("visit")</script><footer>Hak cipta 2025</footer></body></html>"""

    doc = extract(page)

    assert doc.content_type == "text/html"
    assert [(s.kind, s.heading, s.text) for s in doc.sections] == [
        (
            "text",
            "Cara Pesan",
            "Pilih produk, lalu checkout.\nBayar dalam 24 jam.\n\n- Transfer BCA\n\n- QRIS",
        ),
        ("row", "Cara Pesan > Ongkir", "Tujuan: Jawa; Ongkir: Rp 12.000"),
    ]
    assert "Beranda" not in full_text(doc)
    assert "track" not in full_text(doc)


def test_deeply_nested_html_does_not_overflow_the_stack() -> None:
    page = "<html><body>" + "<div>" * 5000 + "Dalam sekali" + "</div>" * 5000 + "</body></html>"

    assert text_of(extract(page.encode())) == "Dalam sekali"


def test_full_text_puts_headings_on_their_own_lines_and_rows_one_per_line() -> None:
    text = full_text(extract(build_docx()))

    assert text == (
        "Selamat datang di Toko Batik Sari.\n\n"
        "# Pengiriman\n\nKami kirim setiap hari kerja.\n\n"
        "# Pengiriman > Ongkos kirim\n\n"
        "Tujuan: Jawa; Ongkir: Rp 12.000; Estimasi: 2-3 hari\nTujuan: Bali; Estimasi: 5 hari\n\n"
        "# Garansi\n\nGaransi jahitan 30 hari."
    )


def test_a_pdf_with_only_an_owner_password_is_read() -> None:
    locked_for_editing = encrypted(sample("kebijakan-pengiriman.pdf"), user_password="")

    assert "SiCepat" in text_of(extract(locked_for_editing))


# Hostile input ---------------------------------------------------------------------------------


def test_a_password_protected_pdf_is_refused() -> None:
    locked = encrypted(sample("kebijakan-pengiriman.pdf"), user_password="rahasia")

    with pytest.raises(ExtractionError, match=r"^password-protected PDF$"):
        extract(locked)


@pytest.mark.parametrize(
    "damaged",
    [
        pytest.param(b"%PDF-1.7\n" + bytes(range(256)) * 8, id="garbage"),
        pytest.param(
            b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\n"
            b"trailer << /Root 1 0 R >>",
            id="dangling-references",
        ),
        pytest.param(sample("kebijakan-pengiriman.pdf")[:8000], id="truncated"),
    ],
)
def test_a_damaged_pdf_is_refused(damaged: bytes) -> None:
    with pytest.raises(ExtractionError, match=r"^the PDF is damaged and cannot be read$"):
        extract(damaged)


def test_a_pdf_over_the_page_limit_is_refused() -> None:
    with pytest.raises(ExtractionError, match="the PDF has 3 pages; the limit is 2"):
        extract(build_pdf(pages=3), Limits(max_pages=2))


def test_a_pdf_of_blank_pages_has_no_text() -> None:
    with pytest.raises(ExtractionError, match="contains no text"):
        extract(build_pdf(pages=1))


def test_a_docx_zip_bomb_is_refused_before_it_is_opened() -> None:
    bomb = zip_of(
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": 201 * 1024 * 1024,
        }
    )
    assert len(bomb) < 1024 * 1024

    with pytest.raises(ExtractionError, match=r"expands to more than 200 MB \(a zip bomb\?\)"):
        extract(bomb)


def test_an_xlsx_that_expands_too_many_times_is_refused() -> None:
    bomb = zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": 20 * 1024 * 1024})

    with pytest.raises(ExtractionError, match=r"expands [\d,]+ times its size .*\(a zip bomb\?\)"):
        extract(bomb)


def test_an_office_file_with_an_unusual_compression_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")

    with pytest.raises(ExtractionError, match="ZIP compression"):
        extract(buffer.getvalue())


@pytest.mark.parametrize("build", [build_docx, build_xlsx])
def test_a_damaged_office_file_is_refused(build: object) -> None:
    assert callable(build)
    original = zipfile.ZipFile(io.BytesIO(build()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as damaged:
        for member in original.infolist():
            content = original.read(member)
            damaged.writestr(
                member,
                content[: len(content) // 2] if member.filename.endswith(".xml") else content,
            )

    with pytest.raises(ExtractionError, match="damaged and cannot be read"):
        extract(buffer.getvalue())


def test_an_oversize_file_is_refused_before_anything_is_parsed() -> None:
    oversize = b"a" * (20 * 1024 * 1024 + 1)

    with pytest.raises(ExtractionError, match=r"the file is 20.0 MB; the limit is 20 MB"):
        extract(oversize)


def test_rows_past_the_limit_are_refused() -> None:
    rows = "Nama,Harga\n" + "".join(f"Produk {n},{n * 1000}\n" for n in range(5))

    with pytest.raises(ExtractionError, match="more rows than the limit of 3"):
        extract(rows.encode(), Limits(max_rows=3))


@pytest.mark.parametrize(
    "size",
    [
        pytest.param((50_000, 50_000), id="past-pillows-own-guard"),
        pytest.param((9_000, 9_000), id="past-our-limit"),
    ],
)
def test_an_image_decompression_bomb_is_refused(size: tuple[int, int]) -> None:
    with pytest.raises(ExtractionError, match="the image is too large"):
        extract(png_header_only(*size))


def test_a_damaged_image_is_refused() -> None:
    damaged = sample("promo-gajian.png")[:200]

    with pytest.raises(ExtractionError, match="the image is damaged"):
        extract(damaged)


def test_ocr_without_tesseract_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")

    with pytest.raises(ExtractionError, match="install tesseract-ocr"):
        extract(sample("promo-gajian.png"))


def test_a_csv_that_breaks_the_field_size_limit_later_on_is_refused() -> None:
    rows = "Nama,Catatan\n" + "Kemeja,ok\n" * 60 + 'Kain,"' + "x" * 200_000 + '"\n'

    with pytest.raises(ExtractionError, match="the CSV file is malformed"):
        extract(rows.encode())


def test_a_huge_field_at_the_start_is_not_taken_for_csv() -> None:
    text = 'Nama,Catatan\nKain,"' + "x" * 200_000 + '"\n'

    assert detect_type(text.encode()) == "text/plain"
