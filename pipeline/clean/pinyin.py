"""Pinyin glosses that some sites print after every character: ``領(lǐng)導(dǎo)`` reads ``領導``.

Only a parenthesised syllable carrying a tone mark right after a Han character is a gloss;
``(扩大)``, ``(2020)``, ``(Beijing)`` and toneless ``(lian)`` are real text and stay.
"""

from __future__ import annotations

import re

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_SYLLABLE = rf"[a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*"
_GLOSS = re.compile(rf"(?<=[\u3400-\u9fff\uf900-\ufaff])\s?[(（]{_SYLLABLE}[)）]", re.IGNORECASE)


def strip_pinyin(text: str) -> str:
    """Remove tone-marked pinyin glosses that follow Han characters."""
    return _GLOSS.sub("", text)


def count_pinyin(text: str) -> int:
    """How many glosses ``strip_pinyin`` would remove."""
    return len(_GLOSS.findall(text))
