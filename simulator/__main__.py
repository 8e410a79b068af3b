"""Command line: deliver simulated source files into a lake directory.

    python -m simulator retail --start 2024-10-01 --days 3 --scale local --seed 42 \
        --defect-rate 0.01 --bad-file gzip --bad-file header_only --lake-dir .local/lake
    python -m simulator banking --start 2024-10-01 --days 3 --scale local --defect-rate 0.005 \
        --ledger-breaks 2 --bad-file gzip --lake-dir .local/lake
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

from simulator import deliver
from simulator.banking_defects import BAD_FILES as BANKING_BAD_FILES
from simulator.defects import BAD_FILES, DefectConfig
from simulator.retail import SCALES, generate_retail_day_with_manifest


def _default_lake_dir() -> str:
    return os.path.join(os.environ.get("PLATFORM_LOCAL_DIR", ".local"), "lake")


def _day_range_parser(sub, domain: str, help_text: str, scales: dict, start_help: str) -> argparse.ArgumentParser:
    """A domain's subcommand with the options every domain has: which days, how big, which seed."""
    parser = sub.add_parser(domain, help=help_text)
    parser.add_argument("--start", type=dt.date.fromisoformat, required=True, help=start_help)
    parser.add_argument("--days", type=int, default=1, help="number of consecutive days (default 1)")
    parser.add_argument("--scale", choices=sorted(scales), default="local", help="data volume (default local)")
    parser.add_argument("--seed", type=int, default=42, help="random seed; same seed and date give identical files")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulator", description="Simulate source systems delivering files to the lake's landing zone.")
    sub = parser.add_subparsers(dest="domain", required=True)
    retail = _day_range_parser(sub, "retail", "supermarket chain: stores, products, customers, POS lines", SCALES, "first day, YYYY-MM-DD")
    retail.add_argument("--defect-rate", type=float, default=0.0, help="fraction of POS lines to corrupt, e.g. 0.005 (default 0)")
    retail.add_argument("--bad-file", action="append", default=[], choices=BAD_FILES, metavar="CASE",
                        help=f"file-level defect, repeatable; POS cases hit stores 001, 002, ... in order. One of: {', '.join(BAD_FILES)}")
    retail.add_argument("--lake-dir", default=_default_lake_dir(), help="lake root (default $PLATFORM_LOCAL_DIR/lake, i.e. .local/lake)")

    from simulator.banking import BANKING_SCALES  # numpy/polars only, like retail

    banking = _day_range_parser(
        sub, "banking", "retail bank: accounts, transactions, KYC, loans, payments, bureau scores, indicators", BANKING_SCALES,
        "first day, YYYY-MM-DD (2024-01-02 or later)",
    )
    banking.add_argument("--defect-rate", type=float, default=0.0, help="extra defective transaction lines per clean line, e.g. 0.005 (default 0)")
    banking.add_argument("--ledger-breaks", type=int, default=0, help="accounts per day whose snapshot disagrees with their transactions (default 0)")
    banking.add_argument("--bad-file", action="append", default=[], choices=BANKING_BAD_FILES, metavar="CASE",
                         help=f"file-level defect of the transaction parts, repeatable. One of: {', '.join(BANKING_BAD_FILES)}")
    banking.add_argument("--lake-dir", default=_default_lake_dir(), help="lake root (default $PLATFORM_LOCAL_DIR/lake, i.e. .local/lake)")
    return parser


def _deliver_days(args: argparse.Namespace, generate, summary) -> None:
    """Generates and delivers each requested day, printing one progress line per day."""
    from resources.lake import LocalLake  # deferred: pulls in dagster, slow to import, not needed for --help

    lake = LocalLake(root=args.lake_dir)
    for offset in range(args.days):
        day = args.start + dt.timedelta(days=offset)
        started = time.perf_counter()
        files, manifest = generate(day)
        keys = deliver(lake, files)
        print(f"{day.isoformat()}  files={len(keys)}  {summary(manifest)}  bad_files={len(manifest['bad_files'])}  "
              f"{time.perf_counter() - started:.2f}s  -> {lake.uri('landing/' + args.domain)}", flush=True)


def run_retail(args: argparse.Namespace) -> None:
    defects = DefectConfig(row_defect_rate=args.defect_rate, bad_files=tuple(args.bad_file))
    _deliver_days(
        args,
        lambda day: generate_retail_day_with_manifest(day, SCALES[args.scale], seed=args.seed, defects=defects),
        lambda m: f"pos_lines={sum(m['pos_data_lines'].values())}  defects={sum(m['row_defects'].values())}",
    )


def run_banking(args: argparse.Namespace) -> None:
    from simulator.banking import BANKING_SCALES, BankingDefects, generate_banking_day_with_manifest

    defects = BankingDefects(row_defect_rate=args.defect_rate, ledger_breaks=args.ledger_breaks, bad_files=tuple(args.bad_file))
    _deliver_days(
        args,
        lambda day: generate_banking_day_with_manifest(day, BANKING_SCALES[args.scale], seed=args.seed, defects=defects),
        lambda m: f"accounts={m['accounts']}  transaction_lines={sum(m['transactions_data_lines'].values())}  "
        f"defects={sum(m['row_defects'].values())}  breaks={len(m['ledger_breaks'])}",
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.days < 1:
        raise SystemExit("--days must be >= 1")
    try:
        if args.domain == "retail":
            run_retail(args)
        elif args.domain == "banking":
            run_banking(args)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
