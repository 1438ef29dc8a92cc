"""BBB complaint pages, saved as text (copy of the page) or as HTML.

Parsing finds structure only: which lines are the complaint, each business
response and each customer answer. Removing page noise inside those texts is
`clean.py`'s job.
"""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

from .records import Complaint, IngestError, Reply

_COMPLAINT_START = re.compile(r"^\s*(?:[•*\-]\s*)?Initial Complaint\s*$", re.M)
_SECTION_HEAD = re.compile(r"^\s*(Business Response|Customer Answer)\s*$")
_DATE = re.compile(r"^\s*Date:\s*(\d{1,2}/\d{1,2}/\d{4})\s*$")
_TYPE = re.compile(r"^\s*Type:\s*(.+?)\s*$")
_STATUS_INLINE = re.compile(r"^\s*Status:\s*(\w+?)(?:More info)?\s*$")
_STATUS_LINE = re.compile(r"^\s*(Resolved|Unresolved|Answered|Unanswered|Unpursuable)(?:More info)?\s*$")
_PAGE_FOOTER = re.compile(r"^\s*BBB Business Profiles may not be reproduced", re.M)

_COMPANY_PATTERNS = (
    re.compile(r"This profile includes complaints for (.+?)'s headquarters"),
    re.compile(r"^\s*(.+?) has [\d,]+ locations", re.M),
    re.compile(r"Business Profile\s*\n\s*\n[^\n]+\n\s*\n\s*([^\n]+?)\s*\n"),
)


def looks_like_bbb(text: str) -> bool:
    return bool(_COMPLAINT_START.search(text))


def _iso(us_date: str) -> str:
    return datetime.strptime(us_date, "%m/%d/%Y").date().isoformat()


def find_company(text: str) -> str | None:
    for pattern in _COMPANY_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.group(1).strip()
    return None


def parse_bbb_text(text: str, source: str = "", source_format: str = "bbb-text") -> list[Complaint]:
    company = find_company(text)
    starts = [m.end() for m in _COMPLAINT_START.finditer(text)]
    if not starts:
        raise IngestError("no BBB complaints found (no 'Initial Complaint' blocks)")
    if company is None:
        raise IngestError("BBB page has complaints but no company name in its header")
    footer = _PAGE_FOOTER.search(text, starts[-1])
    ends = [m.start() for m in _COMPLAINT_START.finditer(text)][1:] + [footer.start() if footer else len(text)]
    complaints = []
    for position, (start, end) in enumerate(zip(starts, ends), start=1):
        complaints.append(_parse_block(text[start:end], company, source, position, source_format))
    return complaints


def _parse_block(block: str, company: str, source: str, position: int, source_format: str) -> Complaint:
    lines = block.splitlines()
    header = {"date": None, "type": None, "status": None}
    i = 0
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
        raise IngestError(f"complaint #{position} lacks {', '.join(missing)}")

    sections: list[tuple[str, list[str]]] = [("narrative", [])]
    for line in lines[i:]:
        if m := _SECTION_HEAD.match(line):
            sections.append((m.group(1), []))
        else:
            sections[-1][1].append(line)

    complaint = Complaint(
        company=company,
        date=header["date"],
        type=header["type"],
        status=header["status"],
        narrative="\n".join(sections[0][1]),
        source=source,
        position=position,
        source_format=source_format,
    )
    for name, body in sections[1:]:
        reply = _dated(body)
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


class _TextExtractor(HTMLParser):
    """HTML to the same line structure a browser's copy-as-text gives."""

    _BLOCKS = {"p", "div", "li", "br", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
               "article", "header", "footer", "ul", "ol", "dt", "dd", "span_block"}
    _SKIP = {"script", "style", "noscript", "template", "svg"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skip_depth += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = "".join(extractor.parts)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # Drop blank runs but keep single blank lines, as in a copied page.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)


def parse_bbb_html(html: str, source: str = "") -> list[Complaint]:
    return parse_bbb_text(html_to_text(html), source, source_format="bbb-html")
