"""Entry point: `python -m bench [NAME ...] [--json FILE] [options]` (`--help` lists them).

Benchmarks that use a database run once per `--database` given (an empty value is SQLite),
so `--database "" --database postgres://…` prints every figure on both; P2 needs none."""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import ledger, p1_import, p2_locate, p3_intake, p4_dashboard, p5_resident, rekey

BENCHMARKS = {
    "p1": p1_import.run,
    "p2": p2_locate.run,
    "p3": p3_intake.run,
    "p4": p4_dashboard.run,
    "p5": p5_resident.run,
    "rekey": lambda *, rekey_rows, **options: rekey.run(**{**options, "rows": rekey_rows}),
    "ledger": ledger.run,
}
NO_DB = {"p2"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", default=list(BENCHMARKS), help="e.g. p2 p3")
    parser.add_argument("--json", dest="json_path", help="also write the figures to this file")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--clients", type=int, default=None, help="P3: 32 concurrent clients, P5: 100"
    )
    parser.add_argument(
        "--database",
        action="append",
        dest="databases",
        help="DATABASE_URL, or empty for SQLite; repeat it to run on several (default SQLite)",
    )
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
        "--rekey-rows", type=int, default=100_000, help="rekey: people to rotate the key over"
    )
    parser.add_argument(
        "--ledger-rows", type=int, default=1_000_000, help="ledger: rows of the largest ledger"
    )
    parser.add_argument(
        "--xlsx-rows", type=int, default=p1_import.XLSX_ROWS, help="P1: rows in the XLSX"
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r}; known: {', '.join(BENCHMARKS)}")
    databases = args.databases or [""]
    runs = [
        (name, url) for name in args.names for url in (databases if name not in NO_DB else [""])
    ]
    figures = []
    for name, database_url in runs:
        if len(runs) > 1:
            # Each run in a process of its own: a benchmark sets Django up for one database.
            figures += _run_in_child(argv if argv is not None else sys.argv[1:], name, database_url)
            continue
        options = {
            "seconds": args.seconds,
            "database_url": database_url,
            "points": args.points,
            "scale": args.scale,
            "cases": args.cases,
            "rows": args.rows,
            "xlsx_rows": args.xlsx_rows,
            "rekey_rows": args.rekey_rows,
            "ledger_rows": args.ledger_rows,
            "workers": args.workers,
        }
        if args.clients is not None:
            options["clients"] = args.clients
        for figure in BENCHMARKS[name](**options):
            print(figure.line(), flush=True)
            figures.append(figure.as_dict())
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(figures, fh, indent=2)
    return 0


def _run_in_child(argv: list[str], name: str, database_url: str) -> list[dict]:
    """`python -m bench NAME --database URL` with the other options as given; its figures."""
    others, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--database", "--json"):
            skip = True
        elif not (arg.startswith(("--database=", "--json=")) or arg in BENCHMARKS):
            others.append(arg)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "figures.json"
        command = [sys.executable, "-m", "bench", name, "--database", database_url, "--json"]
        subprocess.run([*command, str(out), *others], check=True)
        return json.loads(out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    sys.exit(main())
