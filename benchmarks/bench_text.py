"""Time text normalisation and tokenisation on the TipDM 2020 C messages (titles and full details).

.venv/bin/python benchmarks/bench_text.py [--limit N]
"""

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from features.text.normalize import normalize, normalize_series
from features.text.tokenize import tokenize, warm_up

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tipdm2020c" / "attach3_full.utf8.csv"
TITLE, DETAIL = "留言主题", "留言详情"


def rate(label: str, count: int, work: Callable[[], object]) -> None:
    """Run work once and print texts per second."""
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    print(f"{label:<42} {count:>7} texts  {seconds:7.2f} s  {count / seconds:>10,.0f} texts/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=0, help="Use only the first N messages (0: all).")
    args = parser.parse_args()
    frame = pd.read_csv(args.data, usecols=[TITLE, DETAIL], dtype=str).fillna("")
    if args.limit:
        frame = frame.head(args.limit)
    titles, details = frame[TITLE], frame[DETAIL]
    n = len(frame)
    print(f"{n} messages; title {titles.str.len().mean():.0f} chars, detail {details.str.len().mean():.0f}")

    start = time.perf_counter()
    warm_up()
    print(f"warm_up (jieba dictionary, cached under var dir)  {time.perf_counter() - start:.2f} s")
    rate("normalize, titles (short)", n, lambda: [normalize(t) for t in titles])
    rate("normalize_series, titles (short)", n, lambda: normalize_series(titles))
    rate("normalize, details (long)", n, lambda: [normalize(t) for t in details])
    rate("tokenize, titles (short)", n, lambda: [tokenize(t) for t in titles])
    rate("tokenize, details (long)", n, lambda: [tokenize(t) for t in details])


if __name__ == "__main__":
    main()
