"""The document types the knowledge page accepts, as the admin sees them: one list for the page's
file picker, its hint, the documents table's badges and the reason a refused upload gives.

The upload itself is judged by shared/knowledge/detection.py from the file's bytes; a test keeps
every type it can return in this list.
"""

from shared.knowledge.detection import CSV, DOCX, HTML, JPEG, MARKDOWN, PDF, PLAIN, PNG, WEBP, XLSX

# MIME type -> (badge, file-name endings the picker offers)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    PDF: ("PDF", (".pdf",)),
    DOCX: ("DOCX", (".docx",)),
    XLSX: ("XLSX", (".xlsx",)),
    CSV: ("CSV", (".csv",)),
    HTML: ("HTML", (".html", ".htm")),
    MARKDOWN: ("MD", (".md",)),
    PLAIN: ("TXT", (".txt",)),
    PNG: ("PNG", (".png",)),
    JPEG: ("JPG", (".jpg", ".jpeg")),
    WEBP: ("WEBP", (".webp",)),
}

BADGES = {content_type: badge for content_type, (badge, _) in KINDS.items()}
ACCEPTED_LIST = ", ".join(BADGES.values())
PICKER_ACCEPT = ",".join(ending for _, endings in KINDS.values() for ending in endings)
