"""Web pages through selectolax (Lexbor): readable text under h1-h6, data tables as rows.

Scripts, styles, navigation, footers and sidebars are dropped: they repeat on every page of a
site and say nothing the bot should answer from.
"""

from selectolax.lexbor import LexborHTMLParser, LexborNode

from shared.knowledge.document import Limits, Section
from shared.knowledge.formats.sections import SectionWriter, row_text

_DROPPED = (
    "script, style, noscript, template, nav, footer, aside, iframe, svg, canvas, button, select"
)
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCKS = frozenset(
    {
        "address", "article", "blockquote", "dd", "details", "div", "dl", "dt", "figcaption",
        "figure", "header", "hr", "li", "main", "ol", "p", "pre", "section", "summary",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip


def read_html(text: str, limits: Limits) -> list[Section]:
    tree = LexborHTMLParser(text)
    for node in tree.css(_DROPPED):
        node.decompose()
    root = tree.body or tree.root
    reader = _PageReader(SectionWriter(limits.max_rows))
    if root is not None:
        reader.read(root)
    return reader.writer.finish()


class _PageReader:
    """Walks the tree with an explicit stack, so deeply nested markup cannot overflow Python's."""

    def __init__(self, writer: SectionWriter) -> None:
        self.writer = writer
        self._line: list[str] = []
        self._tables = 0

    def read(self, root: LexborNode) -> None:
        stack: list[tuple[LexborNode, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            if leaving:
                self._end_block()
                continue
            if node.is_text_node:
                # Line breaks in the source are only spaces; <br> makes real ones.
                self._line.append((node.text(deep=False) or "").replace("\n", " "))
                continue
            tag = node.tag or ""
            if tag in _HEADINGS:
                self._end_block()
                self.writer.set_heading(_HEADINGS[tag], node.text(separator=" "))
                continue
            if tag == "br":
                self._line.append("\n")
                continue
            if tag == "table" and self._read_data_table(node):
                continue
            if tag in _BLOCKS:
                self._end_block()
                stack.append((node, True))
                if tag == "li":
                    self._line.append("- ")
            stack.extend((child, False) for child in reversed(_children(node)))

    def _end_block(self) -> None:
        text = "".join(self._line).replace("\r", "")
        self._line = []
        lines = (" ".join(line.split()) for line in text.split("\n"))
        self.writer.paragraph("\n".join(line for line in lines if line and line != "-"))

    def _read_data_table(self, table: LexborNode) -> bool:
        """A table of at least two rows of two cells, without tables inside, as rows."""
        if len(table.css("table")) > 1:  # the match includes the table itself
            return False
        rows = [
            [" ".join(cell.text(separator=" ").split()) for cell in row.css("th, td")]
            for row in table.css("tr")
        ]
        if len(rows) < 2 or max(len(cells) for cells in rows) < 2:
            return False
        self._end_block()
        self._tables += 1
        header, *body = rows
        for number, values in enumerate(body, start=2):
            self.writer.row(row_text(header, values), f"table {self._tables}, row {number}")
        return True


def _children(node: LexborNode) -> list[LexborNode]:
    children = []
    child = node.child
    while child is not None:
        children.append(child)
        child = child.next
    return children
