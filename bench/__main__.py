"""Entry point: `python -m bench [NAME ...] [--json FILE] [options]` (`--help` lists them)."""

import argparse
import json
import sys

from bench import p1_import, p2_locate, p3_intake, p4_dashboard, p5_resident

BENCHMARKS = {
    "p1": p1_import.run,
    "p2": p2_locate.run,
    "p3": p3_intake.run,
    "p4": p4_dashboard.run,
    "p5": p5_resident.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", default=list(BENCHMARKS), help="e.g. p2 p3")
    parser.add_argument("--json", dest="json_path", help="also write the figures to this file")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--database", default="", help="DATABASE_URL; empty = SQLite")
    parser.add_argument(
        "--workers", type=int, default=None, help="P3/P5: server processes (default 2×cores+1)"
    )
    parser.add_argument("--points", type=int, default=1_000_000, help="P2: points to locate")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="P2: city size (1 = 77,312 micro-grids)"
    )
    parser.add_argument(
        "--cases", type=int, default=10_000_000, help="P4: cases over 3 years (10 M)"
    )
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="P1: people rows in the CSV (5000000 for 5 M)"
    )
    parser.add_argument(
        "--xlsx-rows", type=int, default=p1_import.XLSX_ROWS, help="P1: rows in the XLSX"
    )
    args = parser.parse_args(argv)
    figures = []
    for name in args.names:
        if name not in BENCHMARKS:
            parser.error(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}")
        for figure in BENCHMARKS[name](
            seconds=args.seconds,
            clients=args.clients,
            database_url=args.database,
            points=args.points,
            scale=args.scale,
            cases=args.cases,
            rows=args.rows,
            xlsx_rows=args.xlsx_rows,
            workers=args.workers,
        ):
            print(figure.line(), flush=True)
            figures.append(figure.as_dict())
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(figures, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
