"""Signs that text was damaged by a wrong charset somewhere before or during the crawl.

The count feeds the ``mojibake`` flag: damaged text is kept, because the rest of the article is
still worth having, but it is never presented as clean.
"""

from __future__ import annotations

import re

_HAN = "\u3400-\u9fff"
# Characters lost before the page was saved come back as "?" (an encoder's substitute) or
# U+FFFD (a decoder's); a single ASCII "?" after Chinese text is often a real question mark,
# so only runs of two or more count, and only next to Han characters.
_LOST = re.compile(rf"\ufffd+|(?<=[{_HAN}])\?{{2,}}|\?{{2,}}(?=[{_HAN}])")
# U+FFFD encoded as UTF-8 and read back as GBK, the best-known Chinese mojibake.
_KUNJINKAO = re.compile("锟斤拷|烫烫烫|屯屯屯")
# UTF-8 read as Latin-1 or cp1252: a lead byte followed by continuation bytes.
_LATIN1 = re.compile("[\u00c2-\u00ef][\u0080-\u00bf\u2018-\u203a\u0152-\u0192]{1,2}")
# Mis-decoded UTF-8 mixes Han with kana, Greek and symbols, so a run is any non-ASCII stretch
# between spaces and real Chinese punctuation (which GBK bytes never turn into).
_RUN = re.compile(r"[^\x00-\x7f\s，。、；：？！“”‘’（）《》【】]{3,}")


def _utf8_read_as_gbk(run: str) -> bool:
    """True when a run is UTF-8 bytes shown as GBK: its GBK bytes re-decode as UTF-8 Han text.

    Real Chinese text in GBK seldom forms valid UTF-8 over three or more characters.
    """
    try:
        again = run.encode("gb18030").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return again != run and any("\u3400" <= c <= "\u9fff" for c in again)


def count_mojibake(text: str) -> int:
    """How many damaged spots the text shows; 0 means no sign of damage was found."""
    return (
        len(_LOST.findall(text))
        + len(_KUNJINKAO.findall(text))
        + len(_LATIN1.findall(text))
        + sum(_utf8_read_as_gbk(run) for run in _RUN.findall(text))
    )
