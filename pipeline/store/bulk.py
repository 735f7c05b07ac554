"""Bulk inserts of many small rows: PostgreSQL's COPY, one executemany elsewhere (SQLite).

COPY sends the rows as one stream instead of statements of bound parameters, and skips
SQLAlchemy's per-row work: values must already be what the database takes (aware datetimes,
bytes, plain numbers and strings).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, TableClause, insert


def insert_rows(connection: Connection, table: TableClause, columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> None:
    """Insert plain rows (values in ``columns`` order) in the connection's transaction."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        copy_rows(connection.connection.cursor(), table.name, columns, rows)
    else:
        connection.execute(insert(table), [dict(zip(columns, row)) for row in rows])


def copy_rows(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows (text format) through a psycopg2 cursor."""
    buffer = io.StringIO("".join("\t".join(map(_field, row)) + "\n" for row in rows))
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _field(value: Any) -> str:
    if type(value) is int:  # the common case first: index rows are all integers
        return str(value)
    if value is None:
        return r"\N"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    if isinstance(value, float):
        return str(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
