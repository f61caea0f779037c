"""Read back what the generated catalog pages show, with the standard library's HTML parser."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

CELL_CLASSES = ("column-name", "column-type", "column-description", "column-pii")


@dataclass
class Page:
    """Texts found on one dataset page: column rows, quality state, failed expectations, links."""

    columns: list[dict[str, str]] = field(default_factory=list)
    quality_state: str | None = None
    failed_expectations: list[str] = field(default_factory=list)
    links: dict[str, list[str]] = field(default_factory=lambda: {"upstream": [], "downstream": []})


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = Page()
        self._cell: str | None = None
        self._text: list[str] = []
        self._list: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "tr" and "column" in classes:
            self.page.columns.append({})
        if tag == "td" and (set(classes) & {*CELL_CLASSES, "expectation"}):
            self._cell = next(name for name in (*CELL_CLASSES, "expectation") if name in classes)
            self._text = []
        if tag == "p" and "quality" in classes:
            self.page.quality_state = attributes["data-state"]
        if tag == "ul" and set(classes) & {"upstream", "downstream"}:
            self._list = "upstream" if "upstream" in classes else "downstream"
        if tag == "a" and self._list:
            self.page.links[self._list].append(attributes["href"])

    def handle_endtag(self, tag):
        if tag == "td" and self._cell:
            text = "".join(self._text).strip()
            if self._cell == "expectation":
                self.page.failed_expectations.append(text)
            else:
                self.page.columns[-1][self._cell] = text
            self._cell = None
        if tag == "ul":
            self._list = None

    def handle_data(self, data):
        if self._cell:
            self._text.append(data)


def read_page(path: Path) -> Page:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.page


class _IndexParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, str] = {}
        self._in_row = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tr" and attributes.get("class") == "dataset":
            self._key = attributes["data-key"]
            self._in_row = True
        if tag == "a" and self._in_row:
            self.links[self._key] = attributes["href"]
            self._in_row = False


def index_links(path: Path) -> dict[str, str]:
    """Dataset key -> the page the index links it to."""
    parser = _IndexParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.links
