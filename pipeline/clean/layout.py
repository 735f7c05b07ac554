"""The page's structure, prepared before trafilatura reads it.

Layout tables: old CMS templates (Hanweb, early TRS) build the whole page from nested tables, and
trafilatura reads every table as data, printing the article as one cell of a "| a | b |" row
together with the navigation around it. A table that holds headings, forms, lists or other tables
is page layout, not data, and becomes plain ``div``s; data tables, including Word-exported ones
with a ``<p>`` in each cell, are left as they are.

Body containers: the CMS families government sites run on put the article in a known element
(``containers.yaml``); when one is there, extraction reads only it.
"""

from __future__ import annotations

from copy import deepcopy
from functools import cache
from pathlib import Path

import lxml.html
import yaml
from lxml.etree import XPath, _Element

CONTAINERS_FILE = Path(__file__).with_name("containers.yaml")
# A container with less text than this is a caption box or an empty editor shell.
_MIN_CONTAINER_CHARS = 50

_STRUCTURE = "table", "h1", "h2", "h3", "form", "ul", "ol", "iframe"
_LAYOUT_XPATH = "|".join(f".//{tag}" for tag in _STRUCTURE)
# A data cell holds a figure or a short phrase; a cell this long is a page region.
_MAX_CELL_CHARS = 400
_TABLE_PARTS = ("thead", "tbody", "tfoot", "tr", "td", "th", "caption")


def _is_layout(table: _Element) -> bool:
    if table.xpath(_LAYOUT_XPATH):
        return True
    return any(len(cell.text_content()) > _MAX_CELL_CHARS for cell in table.iter("td", "th"))


def unwrap_layout_tables(tree: _Element) -> _Element:
    """Turn layout tables into ``div``s, in place, and return the tree for chaining.

    Ownership is settled before any renaming, so rows of a data table nested in a layout table
    stay rows.
    """
    layout = [table for table in tree.iter("table") if _is_layout(table)]
    owned = set(layout)
    parts = [part for part in tree.iter(*_TABLE_PARTS) if next(part.iterancestors("table"), None) in owned]
    for element in (*layout, *parts):
        element.tag = "div"
    return tree


@cache
def _containers() -> tuple[XPath, ...]:
    selectors = yaml.safe_load(CONTAINERS_FILE.read_text(encoding="utf-8"))
    return tuple(XPath(selector) for selector in selectors)


def _text_length(element: _Element) -> int:
    return len("".join(element.text_content().split()))


def _alone(element: _Element) -> _Element:
    """A copy of ``element`` as the only content of an empty document.

    A copy, so that the page keeps its chrome for the metadata lookups that read it.
    """
    copied = deepcopy(element)
    copied.tail = None  # the text after the element is page, not article
    document = lxml.html.document_fromstring("<html><body></body></html>")
    document.find("body").append(copied)
    return document


def focus(tree: _Element) -> _Element:
    """The page reduced to its CMS body container, when it has one; else the page itself."""
    for selector in _containers():
        found = [element for element in selector(tree) if _text_length(element) >= _MIN_CONTAINER_CHARS]
        if found:
            return _alone(max(found, key=_text_length))
    return tree
