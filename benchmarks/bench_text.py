"""Time text normalisation and tokenisation on the TipDM 2020 C messages (titles and full details).

.venv/bin/python benchmarks/bench_text.py [--limit N]   (writes reports/text.md; `make bench-text`)
"""

import argparse
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from features.text.normalize import normalize, normalize_series
from features.text.tokenize import tokenize, warm_up

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tipdm2020c" / "attach3_full.utf8.csv"
REPORT = Path(__file__).resolve().parents[1] / "reports" / "text.md"
TITLE, DETAIL = "留言主题", "留言详情"


def rate(label: str, count: int, work: Callable[[], object]) -> str:
    """Run work once, print texts per second and return it as a report table row."""
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    print(f"{label:<42} {count:>7} texts  {seconds:7.2f} s  {count / seconds:>10,.0f} texts/s")
    return f"| {label} | {count:,} | {seconds:.2f} | {count / seconds:,.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=0, help="Use only the first N messages (0: all).")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args()
    frame = pd.read_csv(args.data, usecols=[TITLE, DETAIL], dtype=str).fillna("")
    if args.limit:
        frame = frame.head(args.limit)
    titles, details = frame[TITLE], frame[DETAIL]
    n = len(frame)
    print(f"{n} messages; title {titles.str.len().mean():.0f} chars, detail {details.str.len().mean():.0f}")

    start = time.perf_counter()
    warm_up()
    warm = time.perf_counter() - start
    print(f"warm_up (jieba dictionary, cached under var dir)  {warm:.2f} s")
    rows = [
        rate("normalize, titles (short)", n, lambda: [normalize(t) for t in titles]),
        rate("normalize_series, titles (short)", n, lambda: normalize_series(titles)),
        rate("normalize, details (long)", n, lambda: [normalize(t) for t in details]),
        rate("tokenize, titles (short)", n, lambda: [tokenize(t) for t in titles]),
        rate("tokenize, details (long)", n, lambda: [tokenize(t) for t in details]),
    ]
    write_report(args, n, titles, details, warm, rows)


def write_report(args, n: int, titles: pd.Series, details: pd.Series, warm: float, rows: list[str]) -> None:
    limit = f" --limit {args.limit}" if args.limit else ""
    machine = f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; one process"
    lengths = (
        f"title {titles.str.len().mean():.0f} characters on average, detail {details.str.len().mean():.0f}"
    )
    lines = [
        "# Text pipeline benchmark (`features/text`)",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- command: `.venv/bin/python benchmarks/bench_text.py{limit}`",
        f"- machine: {machine}",
        f"- data: {args.data.name}, {n:,} messages; {lengths}",
        f"- jieba warm-up (dictionary load, cache under the var dir): {warm:.2f} s",
        "",
        "| work | texts | s | texts/s |",
        "|---|---:|---:|---:|",
        *rows,
        "",
    ]
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.report}")


if __name__ == "__main__":
    main()
