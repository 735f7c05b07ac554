"""Which Chinese script a text is written in, and its Simplified form for search and dedupe."""

from __future__ import annotations

from functools import cache
from typing import Literal

import opencc

Script = Literal["simplified", "traditional", "mixed"]

# Share of script-specific characters that still counts as one script: traditional pages
# quote simplified names and the reverse, and OpenCC maps a few shared characters.
_DOMINANT = 0.9


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    """Convert to Simplified Chinese; Simplified text passes through unchanged."""
    return _converter("t2s").convert(text)


def to_traditional(text: str) -> str:
    """Convert to Traditional Chinese (search looks for both forms in titles kept as published)."""
    return _converter("s2t").convert(text)


def _specific(chars: str, config: str) -> int:
    """How many of ``chars`` (each distinct) the converter changes, one by one."""
    converted = _converter(config).convert("\n".join(chars)).split("\n")
    return sum(before != after for before, after in zip(chars, converted, strict=False))


def detect_script(text: str) -> Script:
    """Classify by the distinct characters only one script uses; text without any is simplified."""
    chars = "".join(sorted({c for c in text if "\u3400" <= c <= "\u9fff"}))
    traditional = _specific(chars, "t2s")
    simplified = _specific(chars, "s2t")
    if traditional + simplified == 0:
        return "simplified"
    share = traditional / (traditional + simplified)
    if share >= _DOMINANT:
        return "traditional"
    if share <= 1 - _DOMINANT:
        return "simplified"
    return "mixed"
