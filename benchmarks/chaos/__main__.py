from __future__ import annotations

import argparse
from dataclasses import asdict

from benchmarks import chaos
from benchmarks.chaos import Outcome, faults, pages
from benchmarks.common import report

COLUMNS = ("scenario", "kind", "outcome", "expected", "stored", "duplicated", "pages_lost", "peak_mb", "held")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chaos", description=chaos.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="run only these scenarios (names as in the table)")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()
    scenarios = {**faults.SCENARIOS, **pages.SCENARIOS}
    unknown = set(args.only or ()) - scenarios.keys()
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(sorted(unknown))}; known: {', '.join(scenarios)}")
    outcomes: list[Outcome] = []
    for name, scenario in scenarios.items():
        if not args.only or name in args.only:
            outcomes.extend(scenario())
    rows = [{**asdict(o), "held": o.held} for o in outcomes]
    held = sum(o.held for o in outcomes)
    report("Faults and hostile pages", COLUMNS, rows, {"held": f"{held} of {len(outcomes)} rows"}, args.json,
           top={"rows_held": held, "rows_total": len(outcomes)})


if __name__ == "__main__":
    main()
