"""Seed a scale into a fresh PostgreSQL database, time it and write reports/seed.md.

.venv/bin/python benchmarks/bench_seed.py --scale large
"""

import argparse
import os
import platform
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core_app.db.migrate import upgrade
from core_app.db.session import build_engine
from core_app.seed import SeedReport, seed_district

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REPORT = Path(__file__).resolve().parent.parent / "reports" / "seed.md"


def run(scale: str, seed: int, server: str) -> tuple[SeedReport, dict[str, float]]:
    """Create a database, migrate it, seed it, drop it; return the report and stage wall times."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"butler_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    stages: dict[str, float] = {}
    last = [time.perf_counter(), "start"]

    def on_progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        stages[last[1]] = stages.get(last[1], 0.0) + now - last[0]
        last[0], last[1] = now, stage
        print(f"  {stage:<13} {done:>9,}/{total:,}", file=sys.stderr)

    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        upgrade(url)
        engine = build_engine(url)
        report = seed_district(engine, scale=scale, seed=seed, on_progress=on_progress)
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return report, stages


def render(report: SeedReport, stages: dict[str, float], command: str) -> str:
    lines = [
        "# Seed benchmark (`butler seed`)",
        "",
        f"- date: {datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- command: `{command}`",
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        "PostgreSQL 15 on localhost (shared with other work)",
        f"- scale: {report.scale}, seed: {report.seed}, "
        f"history ends {report.now.isoformat(timespec='seconds')}",
        f"- total: **{report.total_rows:,} rows in {report.seconds:.1f} s** "
        f"({report.total_rows / report.seconds:,.0f} rows/s overall, generation included)",
        "",
        "## Per table",
        "",
        "Write time = render to COPY text + COPY; generation time is in the stage table.",
        "",
        "| table | rows | write s | rows/s (write) |",
        "|---|---:|---:|---:|",
    ]
    for table, rows in sorted(report.rows.items(), key=lambda kv: -kv[1]):
        seconds = report.write_seconds.get(table, 0.0)
        rate = f"{rows / seconds:,.0f}" if seconds > 0.001 else "—"
        lines.append(f"| {table} | {rows:,} | {seconds:.2f} | {rate} |")
    lines += ["", "## Stages (wall time, generation + writing)", "", "| stage | s |", "|---|---:|"]
    lines += [
        f"| {stage} | {seconds:.1f} |"
        for stage, seconds in stages.items()
        if stage != "start" or seconds > 0.05
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--server", default=SERVER)
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args()
    report, stages = run(args.scale, args.seed, args.server)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    command = f".venv/bin/python benchmarks/bench_seed.py --scale {args.scale} --seed {args.seed}"
    args.report.write_text(render(report, stages, command), encoding="utf-8")
    print(f"{report.total_rows:,} rows in {report.seconds:.1f} s -> {args.report}")


if __name__ == "__main__":
    main()
