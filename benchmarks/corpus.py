"""A synthetic corpus of Chinese government news with planted copies and hard negatives.

Articles (800-3,000 characters) are sentences drawn from three sources: stock phrases taken from
the seed documents (shared by everything), phrases of the article's template family (ten articles
share a template, so different reports of one kind share much wording: the hard negatives), and
article-specific text drawn from the seeds' character frequencies. Planted copies of a base article:
near (1-3 % characters edited, paragraphs reordered or one dropped, a credit line added) and
Traditional-script (OpenCC s2t of a lightly edited copy). Deterministic for a given seed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import opencc

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
FAMILY = 10  # articles per template family
CREDITS = ("（来源：解放日报）", "（记者 王敏 通讯员 李强）", "（本文转载自上观新闻，责任编辑：张卓）")


@dataclass(frozen=True, slots=True)
class Doc:
    story: int  # ground truth: docs with the same story are copies of one another
    kind: str  # "base" | "near" | "traditional"
    body: str  # as published (a Traditional copy in Traditional script)
    body_simplified: str


@cache
def _sources() -> tuple[list[str], str]:
    text = opencc.OpenCC("t2s").convert("".join(p.read_text("utf-8") for p in sorted(SEEDS.glob("0*.txt"))))
    phrases = [p for p in re.split(r"[，。！？；、：\s]+", text) if 4 <= len(p) <= 30]
    chars = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return phrases, chars


class Corpus:
    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.phrases, self.chars = _sources()
        self.s2t = opencc.OpenCC("s2t")
        self.t2s = opencc.OpenCC("t2s")
        self.family_phrases: list[str] = []

    def _sentence(self) -> str:
        roll = self.rng.random()
        if roll < 0.30:
            return self.rng.choice(self.family_phrases)
        if roll < 0.45:
            return self.rng.choice(self.phrases)
        return self._specific()

    def _specific(self) -> str:
        return "".join(self.rng.choices(self.chars, k=self.rng.randint(6, 24)))

    def base(self, story: int) -> Doc:
        if story % FAMILY == 0:  # a new template family: its own stock of shared wording
            self.family_phrases = [self._specific() + self.rng.choice(self.phrases) for _ in range(40)]
        target = self.rng.randint(800, 3000)
        paragraphs, size = [], 0
        while size < target:
            paragraph = "，".join(self._sentence() for _ in range(self.rng.randint(3, 8))) + "。"
            paragraphs.append(paragraph)
            size += len(paragraph)
        body = "\n".join(paragraphs)
        return Doc(story, "base", body, body)

    def near(self, doc: Doc, edits: tuple[float, float] = (0.01, 0.03)) -> Doc:
        paragraphs = doc.body_simplified.split("\n")
        if len(paragraphs) > 3 and self.rng.random() < 0.5:
            self.rng.shuffle(paragraphs)
        if len(paragraphs) > 4 and self.rng.random() < 0.3:
            del paragraphs[self.rng.randrange(len(paragraphs))]
        chars = list("\n".join(paragraphs))
        for i in self.rng.sample(range(len(chars)), int(len(chars) * self.rng.uniform(*edits))):
            chars[i] = self.rng.choice(self.chars)
        body = "".join(chars) + "\n" + self.rng.choice(CREDITS)
        return Doc(doc.story, "near", body, body)

    def traditional(self, doc: Doc) -> Doc:
        light = self.near(doc, edits=(0.0, 0.01))
        body = self.s2t.convert(light.body)
        return Doc(doc.story, "traditional", body, self.t2s.convert(body))

    def docs(self, n: int, first_story: int = 0, near: float = 0.04, traditional: float = 0.03) -> Iterator[Doc]:
        """n docs: base articles, each followed by its planted copies (about ``near`` and
        ``traditional`` of n); stories numbered from ``first_story``."""
        story, made = first_story, 0
        while made < n:
            base = self.base(story)
            story += 1
            for doc in [base, *self._copies(base, near, traditional)][: n - made]:
                made += 1
                yield doc

    def _copies(self, base: Doc, near: float, traditional: float) -> list[Doc]:
        share = 1 / (1 - near - traditional)  # copies per base article so that shares are of n
        copies = [self.near(base) for _ in range(self._count(near * share))]
        return copies + [self.traditional(base) for _ in range(self._count(traditional * share))]

    def _count(self, expected: float) -> int:
        return int(self.rng.random() < expected)
