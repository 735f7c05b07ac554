"""Extraction quality and speed on real pages with gold answers, against plain trafilatura.

    python -m benchmarks.extraction ../shared/benchmarks/extraction [--repeat 3] [--json PATH]

The corpus folder holds ``pages/ID.html`` (bytes as saved) and ``gold/ID.json``; the metric is the
one its README defines: bag-of-characters F1 of the body after NFKC and whitespace removal (macro
and micro), pages under 0.90, leak of ``must_not_contain`` lines, title and date exactness, and
seconds per page, each extractor timed in the same run.
"""

from __future__ import annotations

import argparse
import json
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import report
from pipeline.records import RawPage, Rejected


@dataclass(frozen=True)
class Prediction:
    title: str
    date: str  # YYYY-MM-DD or ""
    body: str


def squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def body_scores(predicted: str, gold: str) -> tuple[int, int, int]:
    """(shared characters, predicted length, gold length) over multisets of characters."""
    pred, want = Counter(squeeze(predicted)), Counter(squeeze(gold))
    return sum((pred & want).values()), sum(pred.values()), sum(want.values())


def f1(shared: int, predicted: int, gold: int) -> float:
    if not shared:
        return 0.0
    precision, recall = shared / predicted, shared / gold
    return 2 * precision * recall / (precision + recall)


def govnews(html: bytes, url: str) -> Prediction:
    from pipeline.extract import extract

    page = RawPage(url=url, site="benchmark", status=200, headers={}, body=html,
                   fetched_at=datetime.now(UTC))
    result = extract(page)
    if isinstance(result, Rejected):
        return Prediction("", "", "")
    date = result.published_at.date().isoformat() if result.published_at else ""
    return Prediction(result.title, date, result.body)


def trafilatura_with(**options: bool) -> Callable[[bytes, str], Prediction]:
    def run(html: bytes, url: str) -> Prediction:
        import trafilatura

        found = trafilatura.extract(html, url=url, output_format="json", with_metadata=True, **options)
        data = json.loads(found) if found else {}
        return Prediction(data.get("title") or "", (data.get("date") or "")[:10], data.get("text") or "")

    return run


EXTRACTORS: dict[str, Callable[[bytes, str], Prediction]] = {
    "govnews": govnews,
    "trafilatura": trafilatura_with(),
    "trafilatura favor_precision": trafilatura_with(favor_precision=True),
}


def load_corpus(folder: Path) -> list[tuple[str, bytes, dict]]:
    gold_files = sorted((folder / "gold").glob("*.json"))
    if not gold_files:
        raise SystemExit(f"no gold/*.json under {folder}: pass the corpus folder, e.g. ../shared/benchmarks/extraction")
    return [(g.stem, (folder / "pages" / f"{g.stem}.html").read_bytes(), json.loads(g.read_text("utf-8")))
            for g in gold_files]


def evaluate(name: str, extractor: Callable[[bytes, str], Prediction], corpus: list, repeat: int) -> dict:
    per_page, shared_sum, pred_sum, gold_sum, leaked, lines = {}, 0, 0, 0, 0, 0
    titles = dates = 0
    seconds = 0.0
    for page_id, html, gold in corpus:
        url = f"https://{gold.get('site', 'example.gov.cn')}/benchmark/{page_id}.html"
        start = time.perf_counter()
        for _ in range(repeat):
            prediction = extractor(html, url)
        seconds += (time.perf_counter() - start) / repeat
        shared, predicted, wanted = body_scores(prediction.body, "\n".join(gold["body"]))
        per_page[page_id] = f1(shared, predicted, wanted)
        shared_sum, pred_sum, gold_sum = shared_sum + shared, pred_sum + predicted, gold_sum + wanted
        flat = squeeze(prediction.body)
        must_not = [squeeze(line) for line in gold.get("must_not_contain", []) if squeeze(line)]
        leaked += sum(line in flat for line in must_not)
        lines += len(must_not)
        titles += squeeze(prediction.title) == squeeze(gold["title"])
        dates += bool(gold.get("date")) and prediction.date == gold["date"][:10]  # the same day
    pages = len(corpus)
    return {
        "extractor": name,
        "body F1 macro": sum(per_page.values()) / pages,
        "body F1 micro": f1(shared_sum, pred_sum, gold_sum),
        "pages < 0.90": sum(score < 0.90 for score in per_page.values()),
        "leak": leaked / lines if lines else 0.0,
        "title exact": titles / pages,
        "date exact": dates / pages,
        "s/page": seconds / pages,
        "per_page": per_page,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="folder with pages/ and gold/")
    parser.add_argument("--repeat", type=int, default=3, help="extractions per page for the timing")
    parser.add_argument("--json", dest="json_path", help="also write the figures to this JSON file")
    args = parser.parse_args()

    corpus = load_corpus(args.corpus)
    for _, extractor in EXTRACTORS.items():  # warm-up: imports and caches are not per-page costs
        extractor(corpus[0][1], "https://example.gov.cn/warm-up.html")
    results = [evaluate(name, extractor, corpus, args.repeat) for name, extractor in EXTRACTORS.items()]
    baseline = results[1]["s/page"]
    for row in results:
        row["time vs trafilatura"] = row["s/page"] / baseline
    pages = [{"page": page_id, **{r["extractor"]: r["per_page"][page_id] for r in results}}
             for page_id, _, _ in corpus]
    report("body F1 per page", ["page", *EXTRACTORS], pages, {}, None)
    columns = ["extractor", "body F1 macro", "body F1 micro", "pages < 0.90", "leak", "title exact",
               "date exact", "s/page", "time vs trafilatura"]
    overall = [{k: v for k, v in row.items() if k != "per_page"} for row in results]
    report(f"extraction on {len(corpus)} pages of {args.corpus}", columns, overall,
           {"pages": len(corpus), "repeat": args.repeat}, args.json_path)
    if args.json_path:  # the per-page figures belong in the same file as the table's
        data = json.loads(Path(args.json_path).read_text())
        data["pages"] = pages
        Path(args.json_path).write_text(json.dumps(data, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
