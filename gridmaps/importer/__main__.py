"""python -m gridmaps.importer PATH [--mapping M] [--skip-bad] [--supervisors a,b]

Checks a source with a mapping without any database: prints the problem report and the time
of each phase. Exit status 0 when the source would import, 1 when not. (To store the map, use
``manage.py import_map``: the same core.)
"""

from __future__ import annotations

import argparse
import sys

from gridmaps.importer import MappingError, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gridmaps.importer", description=__doc__.split("\n")[0])
    parser.add_argument("path")
    parser.add_argument("--mapping", default="default", help="a .toml/.json file or a built-in name")
    parser.add_argument("--skip-bad", action="store_true")
    parser.add_argument("--supervisors", default=None,
                        help="comma-separated supervisor usernames to check duty grids against")
    args = parser.parse_args(argv)
    supervisors = None if args.supervisors is None else {u for u in args.supervisors.split(",") if u}
    try:
        result = run(args.path, args.mapping, dry_run=True, skip_bad=args.skip_bad, supervisors=supervisors)
    except MappingError as e:
        print(f"mapping: {e}", file=sys.stderr)
        return 2
    print(result.report())
    print("seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in result.seconds.items()))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
