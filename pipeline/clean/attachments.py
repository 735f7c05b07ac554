"""Attached documents: government articles link the full notice as PDF, Word, Excel or WPS files."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml.etree import _Element

from pipeline.records import Attachment

_DOCUMENT = re.compile(r"\.(pdf|docx?|xlsx?|wps|et|ofd|zip|rar|7z|pptx?|txt|csv)$", re.IGNORECASE)
# Download scripts hide the file behind a query: downfile.jsp?filename=1903221228.pdf
_DOCUMENT_IN_QUERY = re.compile(r"\.(pdf|docx?|xlsx?|wps|et|ofd|zip|rar|7z|pptx?)(&|$)", re.IGNORECASE)
_NAMES_DOCUMENT = re.compile(r"\.(pdf|docx?|xlsx?|wps|et|ofd|zip|rar|7z|pptx?|txt|csv)(?![a-z0-9])", re.IGNORECASE)


def find_attachments(container: _Element, base_url: str) -> tuple[Attachment, ...]:
    """Links to documents inside the article, absolute, in page order, each URL once."""
    found: dict[str, Attachment] = {}
    for link in container.iter("a"):
        href = (link.get("href") or "").strip()
        if not _NAMES_DOCUMENT.search(href):  # most links on a page are to pages: skip them cheaply
            continue
        url = urljoin(base_url, href)
        parts = urlsplit(url)
        is_document = _DOCUMENT.search(parts.path) or _DOCUMENT_IN_QUERY.search(parts.query)
        if not href or not is_document or url in found:
            continue
        text = " ".join(link.text_content().split()) or parts.path.rsplit("/", 1)[-1]
        found[url] = Attachment(text=text, url=url)
    return tuple(found.values())
