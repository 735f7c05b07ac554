"""Extraction quality and speed on real pages with gold answers, against plain trafilatura.

    python -m benchmarks.extraction CORPUS [CORPUS ...] [--repeat 3] [--half odd|even] [--json PATH]

Each corpus folder holds ``pages/ID.html`` (bytes as saved) and ``gold/ID.json``; each gets its own
table. The metric is the one the corpus README defines: bag-of-characters F1 of the body after NFKC
and whitespace removal (macro and micro), pages under 0.90, leak of ``must_not_contain`` lines,
title exact (NFKC, whitespace removed), date exact (the day in Asia/Shanghai), and seconds per page
in this process (imports and caches warmed up first), each extractor timed in the same run, with its
ratio to trafilatura's default (the extractors take turns page by page, so that a change in the
machine's load slows them alike). A measure the gold does not give (a media set has no title or date
gold) is shown as "-". ``--half`` keeps every other page (odd: the 1st, 3rd, ...; even: the 2nd,
4th, ...), to check on one half rules developed on the other.
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
from pipeline.records import SHANGHAI, RawPage, Rejected


@dataclass(frozen=True)
class Prediction:
    title: str
    date: str  # YYYY-MM-DD or ""
    body: str


@dataclass(frozen=True)
class Page:
    id: str
    html: bytes
    gold: dict
    url: str


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

    page = RawPage(url=url, site="benchmark", status=200, headers={}, body=html, fetched_at=datetime.now(UTC))
    result = extract(page)
    if isinstance(result, Rejected):
        return Prediction("", "", "")
    date = result.published_at.astimezone(SHANGHAI).date().isoformat() if result.published_at else ""
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
BASELINE = "trafilatura"


def load_corpus(folder: Path, half: str | None = None) -> list[Page]:
    gold_files = sorted((folder / "gold").glob("*.json"))
    if not gold_files:
        raise SystemExit(f"no gold/*.json under {folder}: pass a corpus folder, e.g. ../shared/benchmarks/extraction")
    if half:
        gold_files = gold_files[0 if half == "odd" else 1 :: 2]
    pages = []
    for path in gold_files:
        gold = json.loads(path.read_text("utf-8"))
        url = gold.get("url") or f"https://{gold.get('site') or 'example.gov.cn'}/benchmark/{path.stem}.html"
        pages.append(Page(path.stem, (folder / "pages" / f"{path.stem}.html").read_bytes(), gold, url))
    return pages


def timed(extractor: Callable[[bytes, str], Prediction], page: Page, repeat: int) -> tuple[Prediction, float]:
    """The prediction and the seconds one extraction took (the mean of ``repeat``)."""
    start = time.perf_counter()
    for _ in range(repeat):
        prediction = extractor(page.html, page.url)
    return prediction, (time.perf_counter() - start) / repeat


def figures(name: str, predictions: list[tuple[Page, Prediction, float]]) -> dict:
    """The measures of one extractor over a corpus, from its predictions and timings."""
    per_page: dict[str, float] = {}
    shared_sum = pred_sum = gold_sum = leaked = lines = titles = dates = 0
    with_title = [page for page, _, _ in predictions if page.gold.get("title")]
    with_date = [page for page, _, _ in predictions if page.gold.get("date")]
    for page, prediction, _ in predictions:
        shared, predicted, wanted = body_scores(prediction.body, "\n".join(page.gold["body"]))
        per_page[page.id] = f1(shared, predicted, wanted)
        shared_sum, pred_sum, gold_sum = shared_sum + shared, pred_sum + predicted, gold_sum + wanted
        flat = squeeze(prediction.body)
        must_not = [squeeze(line) for line in page.gold.get("must_not_contain") or [] if squeeze(line)]
        leaked += sum(line in flat for line in must_not)
        lines += len(must_not)
        titles += bool(page.gold.get("title")) and squeeze(prediction.title) == squeeze(page.gold["title"])
        dates += bool(page.gold.get("date")) and prediction.date == page.gold["date"][:10]
    return {
        "extractor": name,
        "body F1 macro": sum(per_page.values()) / len(predictions),
        "body F1 micro": f1(shared_sum, pred_sum, gold_sum),
        "pages < 0.90": sum(score < 0.90 for score in per_page.values()),
        "leak": leaked / lines if lines else None,
        "title exact": titles / len(with_title) if with_title else None,
        "date exact": dates / len(with_date) if with_date else None,
        "s/page": sum(seconds for _, _, seconds in predictions) / len(predictions),
        "per_page": per_page,
    }


COLUMNS = ["extractor", "body F1 macro", "body F1 micro", "pages < 0.90", "leak", "title exact", "date exact",
           "s/page", "time vs trafilatura"]


def measure_set(folder: Path, repeat: int, half: str | None) -> dict:
    """One corpus: every extractor over every page; the figures, and the per-page F1s."""
    corpus = load_corpus(folder, half)
    # Page by page, each extractor in turn: a machine whose load changes during the run slows all alike.
    predictions: dict[str, list[tuple[Page, Prediction, float]]] = {name: [] for name in EXTRACTORS}
    for page in corpus:
        for name, extractor in EXTRACTORS.items():
            predictions[name].append((page, *timed(extractor, page, repeat)))
    results = [figures(name, found) for name, found in predictions.items()]
    baseline = next(row["s/page"] for row in results if row["extractor"] == BASELINE)
    for row in results:
        row["time vs trafilatura"] = row["s/page"] / baseline
    pages = [{"page": page.id, **{r["extractor"]: r["per_page"][page.id] for r in results}} for page in corpus]
    rows = [{k: v for k, v in row.items() if k != "per_page"} for row in results]
    label = f"{folder}" + (f" ({half} half)" if half else "")
    return {"corpus": label, "pages": len(corpus), "rows": rows, "per_page": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpora", nargs="+", type=Path, metavar="CORPUS", help="folders with pages/ and gold/")
    parser.add_argument("--repeat", type=int, default=3, help="extractions per page for the timing")
    parser.add_argument("--half", choices=["odd", "even"], help="only every other page of each corpus")
    parser.add_argument("--json", dest="json_path", help="also write the figures to this JSON file")
    args = parser.parse_args()

    first = load_corpus(args.corpora[0])[0]
    for extractor in EXTRACTORS.values():  # warm-up: imports and caches are not per-page costs
        extractor(first.html, first.url)
    sets = [measure_set(folder, args.repeat, args.half) for folder in args.corpora]
    for figures in sets:
        report(f"body F1 per page, {figures['corpus']}", ["page", *EXTRACTORS], figures["per_page"], {}, None)
        report(f"extraction on {figures['pages']} pages of {figures['corpus']}", COLUMNS, figures["rows"],
               {"pages": figures["pages"], "repeat": args.repeat}, None)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps({"repeat": args.repeat, "sets": sets}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
