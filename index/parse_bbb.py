"""BBB complaint pages, saved as text (copy of the page) or as HTML, read line by line.

Parsing finds structure only: which lines are the complaint, each business response and
each customer answer. Removing page noise inside those texts is `clean.py`'s job. Saved
HTML is turned into the lines a browser's copy-as-text gives, so both forms of one page
give the same complaints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from html.parser import HTMLParser
from typing import TextIO

from .records import Complaint, IngestError, Reply, RowError

# The page's own wording, the only BBB knowledge the parser has.
_COMPLAINT_START = re.compile(r"^\s*(?:[•*\-]\s*)?Initial Complaint\s*$")
_SECTION_HEAD = re.compile(r"^\s*(Business Response|Customer Answer)\s*$")
_DATE = re.compile(r"^\s*Date:\s*(\d{1,2}/\d{1,2}/\d{4})\s*$")
_TYPE = re.compile(r"^\s*Type:\s*(.+?)\s*$")
_STATUS_INLINE = re.compile(r"^\s*Status:\s*(\w+?)(?:More info)?\s*$")
_STATUS_LINE = re.compile(r"^\s*(Resolved|Unresolved|Answered|Unanswered|Unpursuable)(?:More info)?\s*$")
# A fully loaded profile page closes its complaint list with BBB's standing disclaimer.
# A page saved before the list finished loading lacks it, and its last complaint is cut.
_PAGE_END = (re.compile(r"^\s*BBB Business Profiles may not be reproduced"),)
_COMPANY_PATTERNS = (
    re.compile(r"This profile includes complaints for (.+?)'s headquarters"),
    re.compile(r"^\s*(.+?) has [\d,]+ locations", re.M),
    re.compile(r"Business Profile\s*\n\s*\n[^\n]+\n\s*\n\s*([^\n]+?)\s*\n"),
)
TRUNCATED = "page ends mid-complaint (saved before it finished loading?): last complaint skipped"
_MAX_HEADER_CHARS = 1_000_000  # the company name sits in the first few kB of a page


def looks_like_bbb(text: str) -> bool:
    return any(_COMPLAINT_START.match(line) for line in text.splitlines())


def find_company(text: str) -> str | None:
    for pattern in _COMPANY_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.group(1).strip()
    return None


def _iso(us_date: str) -> str:
    return datetime.strptime(us_date, "%m/%d/%Y").date().isoformat()


def parse_bbb_lines(lines: Iterable[tuple[int, str]], source: str = "",
                    source_format: str = "bbb-text") -> Iterator[Complaint | RowError]:
    """Complaints from (line number, line) pairs, one complaint block in memory at a time."""
    header: list[str] | None = []  # lines before the first complaint, where the company is named
    header_chars = 0
    company: str | None = None
    block: list[str] | None = None
    block_line = position = 0
    for number, line in lines:
        if _COMPLAINT_START.match(line):
            if block is not None:
                yield _parse_block(block, company, source, position, source_format, block_line)
            if header is not None:  # a page's first complaint (pages may be concatenated)
                company = find_company("\n".join(header)) or company
                if company is None:
                    raise IngestError("BBB page has complaints but no company name in its header")
                header = None
            position += 1
            block, block_line = [], number
        elif block is not None:
            if any(p.match(line) for p in _PAGE_END):
                yield _parse_block(block, company, source, position, source_format, block_line)
                block, header, header_chars = None, [], 0
            else:
                block.append(line)
        elif header is not None and header_chars < _MAX_HEADER_CHARS:
            header.append(line)
            header_chars += len(line)
    if block is not None:
        yield RowError(block_line, TRUNCATED)


def _parse_block(lines: list[str], company: str, source: str, position: int, source_format: str,
                 line_number: int) -> Complaint | RowError:
    header: dict[str, str | None] = {"date": None, "type": None, "status": None}
    i = 0
    try:
        # Header fields come first, in a fixed order, before the narrative.
        while i < len(lines) and not all(header.values()):
            line = lines[i]
            if header["date"] is None and (m := _DATE.match(line)):
                header["date"] = _iso(m.group(1))
            elif header["type"] is None and (m := _TYPE.match(line)):
                header["type"] = m.group(1)
            elif header["status"] is None and (m := _STATUS_INLINE.match(line)):
                header["status"] = m.group(1)
            elif header["status"] is None and line.strip() == "Status:":
                j = i + 1
                while j < len(lines) and not lines[j].strip():
                    j += 1
                if j < len(lines) and (m := _STATUS_LINE.match(lines[j])):
                    header["status"] = m.group(1)
                    i = j
            i += 1
        missing = [k for k, v in header.items() if v is None]
        if missing:
            return RowError(line_number, f"complaint #{position} lacks {', '.join(missing)}")

        sections: list[tuple[str, list[str]]] = [("narrative", [])]
        for line in lines[i:]:
            if m := _SECTION_HEAD.match(line):
                sections.append((m.group(1), []))
            else:
                sections[-1][1].append(line)
        replies = [(name, _dated(body)) for name, body in sections[1:]]
    except ValueError as exc:  # a date like 13/45/2025
        return RowError(line_number, f"complaint #{position}: unreadable date ({exc})")
    narrative = "\n".join(sections[0][1])
    if not narrative.strip():
        return RowError(line_number, f"complaint #{position} has no text")
    complaint = Complaint(
        company=company, date=header["date"], type=header["type"], status=header["status"],
        narrative=narrative, source=source, position=position, source_format=source_format,
    )
    for name, reply in replies:
        if name == "Business Response":
            complaint.business_responses.append(reply)
        else:
            complaint.customer_answers.append(reply)
    return complaint


def _dated(body: list[str]) -> Reply:
    for k, line in enumerate(body):
        if not line.strip():
            continue
        if m := _DATE.match(line):
            return Reply(date=_iso(m.group(1)), text="\n".join(body[k + 1 :]))
        break
    return Reply(date=None, text="\n".join(body))


def parse_bbb_text(stream: TextIO, source: str = "") -> Iterator[Complaint | RowError]:
    lines = ((number, line.rstrip("\r\n")) for number, line in enumerate(stream, start=1))
    return parse_bbb_lines(lines, source, "bbb-text")


class _TextLines(HTMLParser):
    """HTML to the lines a browser's copy-as-text gives (the innerText rules, simplified):
    source newlines are spaces, blocks start new lines, <br> ends one, <p> leaves a blank
    line, and script/style never become text."""

    _BLOCKS = {"address", "article", "aside", "blockquote", "dd", "details", "dialog", "div", "dl",
               "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
               "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "pre", "section", "summary",
               "table", "tr", "ul", "body", "html"}
    _PARAGRAPHS = {"p"}
    _CELLS = {"td", "th"}
    _SKIP = {"script", "style", "noscript", "template", "svg", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ready: list[tuple[int, str]] = []  # finished lines, drained by the caller
        self._parts: list[str] = []
        self._line_at = 1
        self._skip_depth = 0
        self._pre_depth = 0
        self._last_blank = True  # no blank lines at the start, nor two in a row

    def _emit(self, text: str) -> None:
        if text or not self._last_blank:
            self.ready.append((self._line_at, text))
        self._last_blank = not text

    def _end_line(self, hard: bool = False) -> None:
        text = " ".join("".join(self._parts).split())
        self._parts = []
        if text or hard:
            self._emit(text)

    def _paragraph_gap(self) -> None:
        self._end_line()
        self._emit("")

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skip_depth += 1
        elif self._skip_depth:
            return
        elif tag == "br":
            self._end_line(hard=True)
        elif tag in self._PARAGRAPHS:
            self._paragraph_gap()
        elif tag in self._BLOCKS:
            self._end_line()
            self._pre_depth += tag == "pre"
        elif tag in self._CELLS:
            self._parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        # <br/>, <div/>: nothing opened that needs closing (and an empty <script/> hides nothing)
        if tag not in self._SKIP and tag != "pre":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif self._skip_depth:
            return
        elif tag in self._PARAGRAPHS:
            self._paragraph_gap()
        elif tag in self._BLOCKS:
            self._end_line()
            if tag == "pre":
                self._pre_depth = max(0, self._pre_depth - 1)

    def handle_data(self, data):
        if self._skip_depth:
            return
        if not self._parts or not "".join(self._parts).strip():
            self._line_at = self.getpos()[0]
        if self._pre_depth:
            *done, data = data.split("\n")
            for piece in done:
                self._parts.append(piece)
                self._end_line(hard=True)
        self._parts.append(data)

    def close(self):
        super().close()
        self._end_line()


def html_lines(stream: TextIO, read_size: int = 64 * 1024) -> Iterator[tuple[int, str]]:
    """(source line, text line) pairs of an HTML stream, fed to the parser in chunks."""
    extractor = _TextLines()
    while chunk := stream.read(read_size):
        extractor.feed(chunk)
        yield from extractor.ready
        extractor.ready = []
    extractor.close()
    yield from extractor.ready


def html_to_text(html: str) -> str:
    import io

    return "\n".join(line for _, line in html_lines(io.StringIO(html)))


def parse_bbb_html(stream: TextIO, source: str = "") -> Iterator[Complaint | RowError]:
    return parse_bbb_lines(html_lines(stream), source, "bbb-html")
