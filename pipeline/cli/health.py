"""``govnews sites health [SITE ...] [--format json]``: each site's latest metrics and open drift alerts.

Exit code 0 when no shown site has an open alert, 1 when one has (``ExitCode.FAILED``), 2 for an
unknown site name.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from pipeline.cli.errors import ExitCode

if TYPE_CHECKING:
    from pipeline.health.drift import SiteHealth
    from pipeline.health.metrics import SiteMetrics
    from pipeline.settings import Settings

HISTORY_RUNS = 14  # runs of a named site shown (and given in JSON)


def show_health(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import stages, store
    from pipeline.health.drift import SiteHealth
    from pipeline.store import health as stored

    config = stages.health_config(settings)
    with store.session_factory(settings.database_url)() as session:
        latest = stored.latest_health(session, args.names)
        runs = stored.measured_runs(session, [m.site for m, _ in latest])
        histories = {name: stored.metrics_history(session, name, HISTORY_RUNS) for name in args.names}
    sites = [SiteHealth(m, tuple(alerts), runs[m.site] - 1, learning=runs[m.site] - 1 < config.min_history)
             for m, alerts in latest]
    unmeasured = [name for name in dict.fromkeys(args.names) if name not in runs]
    if unmeasured:
        from pipeline.runs import registry_for

        registry_for(settings).select(unmeasured)  # an unknown name is a usage error
    if args.format == "json":
        rows = [health_json(site, histories.get(site.metrics.site)) for site in sites]
        rows += [{"site": name, "status": "no runs", "alerts": []} for name in unmeasured]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print_health(sites, unmeasured, histories)
    return ExitCode.FAILED if any(site.alerts for site in sites) else ExitCode.OK


def health_json(site: SiteHealth, history: list[SiteMetrics] | None) -> dict[str, object]:
    m = site.metrics
    row: dict[str, object] = {
        "site": m.site, "status": site.status, "run_id": m.run_id, "run_started_at": m.run_started_at.isoformat(),
        "earlier_runs": site.history_runs, "metrics": _metrics_json(m),
        "alerts": [alert.as_report() for alert in site.alerts],
    }
    if history is not None:
        row["history"] = [{"run_id": run.run_id, **_metrics_json(run)} for run in history]
    return row


def _metrics_json(metrics: SiteMetrics) -> dict[str, object]:
    values = asdict(metrics)
    for key in ("run_id", "site"):
        values.pop(key)
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in values.items()}


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def print_health(sites: list[SiteHealth], unmeasured: list[str],
                 histories: dict[str, list[SiteMetrics]]) -> None:
    from rich.markup import escape
    from rich.table import Table

    from pipeline.cli.output import console, print_alerts
    from pipeline.records import shown_time

    table = Table("site", "status", "last run", "links", "new links", "new articles", "body chars", "date fill",
                  "fetch errors", "rejected", "alerts", title="site health")
    for site in sites:
        m = site.metrics
        status = {"alert": "[red]alert[/red]", "learning": "learning", "ok": "[green]ok[/green]"}[site.status]
        table.add_row(escape(m.site), status, shown_time(m.run_started_at), _number(m.links_found),
                      _number(m.new_links), str(m.new_articles), _number(m.body_chars_median), _share(m.date_fill),
                      _share(m.error_rate), _share(m.reject_rate), ", ".join(a.alert.name for a in site.alerts))
    for name in unmeasured:
        table.add_row(escape(name), "no runs", *["-"] * 9)
    console.print(table)
    for name, history in histories.items():
        if history:
            print_history(name, history)
    print_alerts([alert.as_report() for site in sites for alert in site.alerts])


def print_history(site: str, history: list[SiteMetrics]) -> None:
    from rich.markup import escape
    from rich.table import Table

    from pipeline.cli.output import console
    from pipeline.records import shown_time

    table = Table("run", "started", "list pages", "links", "new", "pages", "extracted", "body chars", "title",
                  "date", "source", "errors", "rejected", "latency ms", title=f"{escape(site)}: recent runs")
    for m in history:
        table.add_row(escape(m.run_id), shown_time(m.run_started_at), _number(m.list_pages), _number(m.links_found),
                      _number(m.new_links), str(m.pages), str(m.extracted), _number(m.body_chars_median),
                      _share(m.title_fill), _share(m.date_fill), _share(m.source_fill), _share(m.error_rate),
                      _share(m.reject_rate), _number(m.latency_median_ms))
    console.print(table)
