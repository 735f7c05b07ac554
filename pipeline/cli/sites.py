"""``govnews sites list`` (the registry) and ``govnews sites check`` (each entry against the live site)."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from pipeline.cli.errors import ExitCode
from pipeline.cli.parsing import add_command

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(commands: Any) -> None:
    sub = add_command(commands, "sites", _sites, "List the registry (list), or fetch each site's start page live "
                      "and report reachability, robots.txt, anti-bot, charset, articles found and a sample (check), "
                      "or show each site's latest metrics and open drift alerts (health; exit 1 if any is open).")
    sub.add_argument("action", choices=["list", "check", "health"])
    sub.add_argument("names", nargs="*", metavar="SITE", help="check: these sites (default: every real site); "
                     "health: these sites, with their recent runs (default: every measured site)")
    sub.add_argument("--format", choices=["table", "json"], default="table")
    sub.add_argument("--timeout", type=float, default=15.0, help="check: seconds per request")


def _sites(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import doctor

    if args.action == "health":
        from pipeline.cli.health import show_health

        return show_health(args, settings)
    if args.action == "check":
        checks = doctor.check_sites(settings, args.names or None, timeout=args.timeout)
        if args.format == "json":
            print(json.dumps(doctor.report_rows(checks), ensure_ascii=False, indent=2))
            return ExitCode.OK if all(check.ok for check in checks) else ExitCode.FAILED
        return doctor.print_checks(checks)
    rows = doctor.registry_rows(settings)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        from rich.table import Table

        from pipeline.cli.output import console

        table = Table("site", "strategy", "start URLs", "verified", "status")
        for row in rows:
            status = f"[red]{row['error']}[/red]" if row["error"] else ("fixture" if row["fixture"] else "ok")
            table.add_row(str(row["name"]), str(row.get("strategy") or ""), "\n".join(row.get("start_urls") or []),
                          "yes" if row.get("verified") else "no", status)
        console.print(table)
    return ExitCode.FAILED if any(row["error"] for row in rows) else ExitCode.OK
