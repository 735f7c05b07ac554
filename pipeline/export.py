"""Exports of the archive: articles as JSON lines or Parquet, raw responses as WARC.

Each writer takes rows as the store streams them (``pipeline/store/export.py``) and a binary file,
and writes as it reads, so memory does not grow with the number of rows.
"""

from __future__ import annotations

import gc
import itertools
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from io import BytesIO
from typing import IO, Any

from pipeline.store.export import EXPORTED_FIELDS, VERSION_FIELDS

PARQUET_BATCH = 2000  # rows per Parquet row group
# Columns of few distinct values: dictionary-encoded (trying it on bodies costs time and saves nothing).
DICTIONARY_COLUMNS = ("site", "script", "extractor_version", "first_run_id", "last_run_id")
# Hop-by-hop and transfer headers describe the bytes on the wire, not the decoded body that was
# stored: a WARC reader would try to un-chunk or gunzip it again.
TRANSFER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length", "connection",
                              "keep-alive"})


def write_jsonl(rows: Iterable[tuple[Any, ...]], out: IO[bytes]) -> int:
    """One JSON object per article and line (times in ISO 8601 with their offset). Returns the count."""
    count = 0
    for row in rows:
        out.write(json.dumps(dict(zip(EXPORTED_FIELDS, row, strict=True)), ensure_ascii=False,
                             default=_iso).encode() + b"\n")
        count += 1
    return count


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__}")


def parquet_schema() -> Any:
    import pyarrow as pa

    # large_string: pyarrow builds it from Python strings about ten times faster than string (the
    # same UTF-8 column in the Parquet file).
    text, when = pa.large_string(), pa.timestamp("us", tz="UTC")
    types = {
        "id": pa.int64(), "duplicate_of_id": pa.int64(), "cluster_id": pa.int64(), "version": pa.int32(),
        "first_seen_at": when, "updated_at": when, "version_seen_at": when, "published_at": when,
        "flags": pa.list_(text),
        "attachments": pa.list_(pa.struct([("text", text), ("url", text)])),
        "versions": pa.list_(pa.struct([(f, when if f.endswith("_at") else pa.int32() if f == "version" else text)
                                        for f in VERSION_FIELDS])),
    }
    return pa.schema([(field, types.get(field, text)) for field in EXPORTED_FIELDS])


def write_parquet(rows: Iterable[tuple[Any, ...]], out: IO[bytes]) -> int:
    """One row group per ``PARQUET_BATCH`` articles (zstd). A batch is compressed and written in a
    second thread while the next one is read (pyarrow releases the GIL). Returns the count."""
    from concurrent.futures import Future, ThreadPoolExecutor

    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    count = 0
    with (_cyclic_gc_paused(),
          pq.ParquetWriter(pa.PythonFile(out, mode="w"), schema, compression="zstd",
                           use_dictionary=list(DICTIONARY_COLUMNS)) as writer,
          ThreadPoolExecutor(1) as thread):
        written: Future[None] | None = None
        for batch in _batches(rows, PARQUET_BATCH):
            columns = zip(*batch, strict=True)
            arrays = pa.record_batch([_array(c, f.type) for c, f in zip(columns, schema)], schema=schema)
            if written is not None:
                written.result()
            written = thread.submit(writer.write_batch, arrays)
            count += len(batch)
        if written is not None:
            written.result()
    return count


def _array(values: Iterable[Any], type_: Any) -> Any:
    """A column of ``type_``; text given as str or as UTF-8 bytes (``article_rows``'s ``text_as_bytes``:
    valid UTF-8 as PostgreSQL sends it), whose bytes are taken as they are, unchecked."""
    import pyarrow as pa

    if type_ == pa.large_string():
        return pa.array(values, type=pa.large_binary()).view(type_)
    return pa.array(values, type=type_)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off meanwhile: the batches held make it run again and again over
    their hundreds of thousands of containers (a tenth of the CPU) and they hold no cycles, so
    reference counting frees them all the same."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _batches(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def write_warc(pages: Iterable[tuple[str, int, dict[str, str], bytes, datetime]], out: IO[bytes]) -> int:
    """A gzipped WARC: a ``warcinfo`` record, then one ``response`` record per stored page, dated
    when it was fetched. Returns the number of responses."""
    from http import HTTPStatus

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(out, gzip=True)
    writer.write_record(writer.create_warcinfo_record("govnews-export.warc.gz", {
        "software": "govnews", "format": "WARC File Format 1.1",
        "description": "raw responses stored by the govnews crawl (bodies as decoded by the crawler)"}))
    count = 0
    for url, status, headers, body, fetched_at in pages:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        kept = [(name, value) for name, value in headers.items() if name.lower() not in TRANSFER_HEADERS]
        http = StatusAndHeaders(f"{status} {reason}".strip(), [*kept, ("Content-Length", str(len(body)))],
                                protocol="HTTP/1.1")
        record = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http,
                                           warc_headers_dict={"WARC-Date": _warc_date(fetched_at)})
        writer.write_record(record)
        count += 1
    return count


def _warc_date(when: datetime) -> str:
    from datetime import UTC

    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
