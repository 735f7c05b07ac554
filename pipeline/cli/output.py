"""What the commands print: the console and the run report (times: ``pipeline.records.shown_time``)."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

# Piped or captured output keeps whole lines (rich would fold tables at 80 columns).
console = Console(width=None if sys.stdout.isatty() else 200)


def print_report(summary: dict[str, object]) -> None:
    columns = {"pages": "pages fetched", "articles": "new articles", "updated": "changed articles",
               "versions": "new versions",
               "duplicates": "exact duplicates", "near_duplicates": "near-duplicates",
               "cross_script": "cross-script copies", "failures": "failures"}
    table = Table("site", *columns.values(), title="run summary")
    sites: dict[str, dict[str, int]] = summary["sites"]  # type: ignore[assignment]
    for site, counts in sorted(sites.items()):
        table.add_row(site, *(str(counts.get(key, 0)) for key in columns))
    console.print(table)
    for failure in summary["failures"]:  # type: ignore[attr-defined]
        console.print(f"[yellow]{failure['site']}[/yellow]: {failure['reason']} {failure['url']} "
                      f"{failure['detail']}")
    print_alerts(summary.get("alerts", []))  # type: ignore[arg-type]


def print_alerts(alerts: list[dict[str, object]]) -> None:
    """Open site-health alerts, one line each; markup in their text is printed as it is."""
    from rich.markup import escape

    for alert in alerts:
        state = "new" if alert["new"] else f"open since {alert['since_run_id']}"
        console.print(f"[red]alert[/red] {escape(str(alert['site']))} [bold]{alert['alert']}[/bold] ({state}): "
                      f"{escape(str(alert['message']))}")

