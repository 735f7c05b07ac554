"""``govnews dupes ARTICLE_ID``: the story cluster of an article, its canonical member, and each
member's site and similarity to the canonical one (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.dedupe import similarity
from pipeline.store.models import Article, StoryCluster, StoryMember


@dataclass(frozen=True, slots=True)
class MemberLine:
    article_id: int | None  # None while the member is deduped but not yet loaded
    site: str
    url: str
    script: str
    published_at: datetime | None
    similarity: float  # estimated Jaccard similarity to the canonical member's body
    canonical: bool


@dataclass(frozen=True, slots=True)
class Dupes:
    article_id: int
    cluster_id: int
    members: tuple[MemberLine, ...]  # the canonical member first, then by similarity

    def table(self) -> Table:
        from pipeline.records import shown_time

        table = Table("article", "site", "script", "published", "similarity", "URL",
                      title=f"story {self.cluster_id} of article {self.article_id}: {len(self.members)} members")
        for m in self.members:
            table.add_row(f"{m.article_id or '-'}{' (canonical)' if m.canonical else ''}", m.site, m.script,
                          shown_time(m.published_at),
                          f"{m.similarity:.2f}", m.url)
        return table


def dupes(session: Session, article_id: int) -> Dupes:
    """The story of ``article_id``; LookupError (with what to do) when it is unknown or not deduped."""
    url = session.scalar(select(Article.canonical_url).where(Article.id == article_id))
    if url is None:
        raise LookupError(f"no article {article_id}: `govnews articles` lists the stored articles with their ids")
    member = session.scalar(select(StoryMember).where(StoryMember.canonical_url == url))
    if member is None or member.cluster_id is None:
        raise LookupError(f"article {article_id} ({url}) is not in the dedupe index: run `govnews dedupe "
                          "--run-id RUN` for the run that loaded it")
    cluster = session.get(StoryCluster, member.cluster_id)
    rows = session.execute(
        select(StoryMember, Article.id).outerjoin(Article, Article.canonical_url == StoryMember.canonical_url)
        .where(StoryMember.cluster_id == member.cluster_id)
    ).all()
    canonical = next(m for m, _ in rows if m.id == cluster.canonical_id)
    lines = [MemberLine(aid, m.site, m.canonical_url, m.script, m.published_at,
                        similarity(m.signature, canonical.signature), m.id == canonical.id) for m, aid in rows]
    lines.sort(key=lambda line: (not line.canonical, -line.similarity, line.url))
    return Dupes(article_id, member.cluster_id, tuple(lines))
