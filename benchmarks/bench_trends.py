"""Trends benchmark: forecast backtest against seasonal-naive on the demo district, hot problems on 附件3,
and the time of each trend endpoint. Writes reports/trends.md.

.venv/bin/python benchmarks/bench_trends.py [--weeks 12]   (`make bench-trends`, about 3 minutes)

Demo district: `butler seed --scale medium --seed 42 --now 2026-11-02T00:00:00+08:00` (a Monday, so every
week is whole) into a temporary SQLite database. Weekly counts per second-level category come from the
service's SQL (local Monday weeks); the first week is left out because the history starts mid-week.
Rolling-origin backtest over the last ``--weeks`` weeks: each origin week is forecast by models fitted on
the weeks before it only. The forecaster's settings are fixed in code, not chosen on these weeks.
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "tipdm2020c" / "attach3_full.utf8.csv"
REPORT = ROOT / "reports" / "trends.md"
DEMO_NOW = "2026-11-02T00:00:00+08:00"
SCALE = "medium"
# Written after the measured sections; the figures quoted are from the committed run, check them on a rerun.
NOTES = """## Notes and limits

- The demo district's weekly counts are a multinomial draw around month factors, a Spring Festival dip and
  a weekend factor: mostly Poisson noise at about 10 events per category-week. Most of the gain over
  seasonal-naive comes from not chasing last week's noise; LightGBM is ahead of an 8-week rolling mean by a
  small margin only (0.318 vs 0.327 MAPE here). The backtest weeks (August to October) hold no Spring
  Festival, so the holiday features are not tested by it.
- MAPE leaves out weeks with no events (no percentage error exists); sMAPE and MAE count them.
- Hot problems on 附件3 find the contest's well-known problems (丽发新城 mixing plant, 伊景园滨河苑 parking
  bundling, 绿地海外滩 high-speed rail, 月亮岛路 power line), but group 5 joins two residential compounds'
  cooking-fume complaints (魅力之城, 润芳园) through similar wording and the generic place word 临街, and
  绿地海外滩 appears twice (ranks 3 and 11): the place match is fuzzy by design (二期 variants), which is
  both its strength and this weakness.
- On the seeded events the texts are templates, so different matters in one community read alike; the
  events endpoint therefore requires the same community and a higher text similarity (0.55).
"""


def seed_demo(workdir: Path) -> tuple[str, float]:
    """Seed the demo district into a temporary SQLite database; return its URL and the seconds taken."""
    url = f"sqlite:///{(workdir / 'demo.db').as_posix()}"
    env = os.environ | {"BUTLER_DATABASE_URL": url}
    butler = str(Path(sys.executable).with_name("butler"))
    started = time.perf_counter()
    subprocess.run([butler, "db", "upgrade"], env=env, check=True, capture_output=True)
    seed = [butler, "seed", "--scale", SCALE, "--seed", "42", "--now", DEMO_NOW]
    subprocess.run(seed, env=env, check=True, capture_output=True)
    return url, time.perf_counter() - started


def demo_panel(url: str) -> tuple[pd.DataFrame, dict[int, str]]:
    """Weekly counts per level-2 category over the whole demo history, first (partial) week dropped."""
    from sqlalchemy import true
    from sqlalchemy.orm import Session

    import core_app.db.registry  # noqa: F401  (every model mapped before the first query)
    from core_app.db.session import build_engine
    from core_app.trends.service import TrendFilter, weekly_panel, whole_weeks

    start, end = whole_weeks(datetime.fromisoformat(DEMO_NOW), 60)
    engine = build_engine(url)
    with Session(engine) as session:
        panel, names = weekly_panel(session, TrendFilter(start, end), scope=true())
    engine.dispose()
    active = panel.groupby("week")["count"].sum()
    panel = panel[panel["week"] > active[active > 0].index.min()]
    return panel.reset_index(drop=True), names


def forecast_section(panel: pd.DataFrame, names: dict[int, str], weeks: int) -> tuple[list[str], dict]:
    from models.forecast import RollingMean, SeasonalNaive, WeeklyForecaster, backtest, error_table

    models = {
        "seasonal-naive (last week)": SeasonalNaive(),
        "rolling mean 4 weeks": RollingMean(4),
        "rolling mean 8 weeks": RollingMean(8),
        "WeeklyForecaster (LightGBM)": WeeklyForecaster(),
    }
    tables, seconds = {}, {}
    for name, model in models.items():
        started = time.perf_counter()
        tables[name] = error_table(backtest(model, panel, weeks))
        seconds[name] = time.perf_counter() - started
        print(f"{name}: MAPE {tables[name].loc['overall', 'mape']:.4f} in {seconds[name]:.1f} s")
    n_weeks = panel["week"].nunique()
    per_week = panel.groupby("week")["count"].sum()
    lines = [
        "## Forecast: next-week events per category, demo district",
        "",
        f"`butler seed --scale {SCALE} --seed 42 --now {DEMO_NOW}` into SQLite; {n_weeks} whole weeks "
        f"({panel['week'].min():%Y-%m-%d} to {panel['week'].max():%Y-%m-%d}), {panel['series'].nunique()} "
        f"second-level categories, {int(panel['count'].sum()):,} events, {per_week.mean():.0f} a week "
        f"({panel.groupby('series')['count'].mean().median():.1f} per category-week, median). "
        f"Rolling-origin backtest over the last {weeks} weeks: {weeks} x {panel['series'].nunique()} = "
        f"{weeks * panel['series'].nunique()} forecasts per model, each from the weeks before its week.",
        "",
        "Seasonal-naive: the history is one year, so no forecast week has a value 52 weeks before it; the "
        "seasonal-naive forecast for weekly data with less than a full season is last week's value (season "
        "length 1), and that is the baseline here. `SeasonalNaive(season_length='auto')` switches to 52 "
        "weeks once more than 52 are available.",
        "",
        "| model | MAPE | sMAPE | MAE | fit+predict s (all origins) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, table in tables.items():
        row = table.loc["overall"]
        lines.append(
            f"| {name} | {row['mape']:.3f} | {row['smape']:.3f} | {row['mae']:.2f} | {seconds[name]:.1f} |"
        )
    ours = tables["WeeklyForecaster (LightGBM)"]
    naive = tables["seasonal-naive (last week)"]
    gain = 1 - ours.loc["overall", "mape"] / naive.loc["overall", "mape"]
    wins = int((ours.drop("overall")["mape"] < naive.drop("overall")["mape"]).sum())
    lines += [
        "",
        f"**Target (beat seasonal-naive on MAPE): {'met' if gain > 0 else 'NOT met'}**: "
        f"{ours.loc['overall', 'mape']:.3f} vs {naive.loc['overall', 'mape']:.3f} "
        f"({gain:.0%} lower); lower MAPE than seasonal-naive in {wins} of {len(ours) - 1} categories.",
        "",
        "Per category (MAPE; n = forecasts with a non-zero actual):",
        "",
        "| category | mean/week | seasonal-naive | rolling mean 8 | LightGBM |",
        "|---|---:|---:|---:|---:|",
    ]
    means = panel.groupby("series")["count"].mean()
    mean8 = tables["rolling mean 8 weeks"]
    for series in means.sort_values(ascending=False).index:
        lines.append(
            f"| {names.get(series, series)} | {means[series]:.1f} | {naive.loc[series, 'mape']:.3f} | "
            f"{mean8.loc[series, 'mape']:.3f} | {ours.loc[series, 'mape']:.3f} |"
        )
    lines.append("")
    return lines, {"ours": ours.loc["overall"].to_dict(), "naive": naive.loc["overall"].to_dict()}


def hot_problem_section() -> list[str]:
    from features.trends.hot_problems import hot_problems

    table = pd.read_csv(DATA, dtype=str)
    messages = pd.DataFrame(
        {
            "id": table["留言编号"].astype(int),
            "title": table["留言主题"].fillna(""),
            "text": table["留言主题"].fillna("") + "。" + table["留言详情"].fillna("").str.strip(),
            "time": table["留言时间"],
            "support": table["点赞数"],
            "oppose": table["反对数"],
        }
    )
    unparsed = int(pd.to_datetime(messages["time"], format="mixed", errors="coerce").isna().sum())
    started = time.perf_counter()
    result = hot_problems(messages, top=None)
    seconds = time.perf_counter() - started
    print(f"hot problems on 附件3: {len(result)} groups in {seconds:.1f} s")
    duplicates = int(table["留言详情"].duplicated().sum())
    lines = [
        "## Hot problems on 附件3 (泰迪杯 2020 C, task 2)",
        "",
        f"{len(messages):,} messages ({duplicates} repeated 留言详情, kept: a repeat post is part of the "
        f"heat; 留言时间 in two formats, read with `format='mixed'`, {unparsed} unparsed). "
        f"`features.trends.hot_problems.hot_problems` with its defaults: **{seconds:.1f} s** for all "
        "messages "
        f"(jieba POS tagging of the titles and word TF-IDF for the summaries are most of it), "
        f"{len(result)} groups of two or more messages "
        f"({int(result['count'].sum()):,} messages), largest {int(result['count'].max())}.",
        "",
        "heat = ln(1 + n) + 0.5 ln(1 + 点赞 + 反对) + 0.5 ln(1 + n / w), w = max(span days, 7) / 7: size, "
        "public attention and concentration, each log-scaled so that none swamps the others.",
        "",
        "| rank | heat | messages | 点赞 | 反对 | first | last | place | matter (top terms) |",
        "|---:|---:|---:|---:|---:|---|---|---|---|",
    ]
    for row in result.head(10).itertuples():
        lines.append(
            f"| {row.rank} | {row.heat:.2f} | {row.count} | {int(row.support)} | {int(row.oppose)} | "
            f"{row.first:%Y-%m-%d} | {row.last:%Y-%m-%d} | {row.place} | {' '.join(row.summary)} |"
        )
    lines += ["", "Example titles of the top 5:", ""]
    for row in result.head(5).itertuples():
        lines.append(f"{row.rank}. " + " / ".join(row.titles))
    lines.append("")
    return lines


def api_section(url: str) -> list[str]:
    """Time each trend endpoint through the ASGI app (TestClient), three calls each, median shown."""
    os.environ["BUTLER_DATABASE_URL"] = url
    from fastapi.testclient import TestClient
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from core_app.access.catalog import ensure_catalog
    from core_app.access.models import Role, User, UserRole
    from core_app.access.tokens import issue_token
    from core_app.api.app import create_app
    from core_app.config import get_settings
    from core_app.db.session import build_engine

    get_settings.cache_clear()
    engine = build_engine(url)
    with Session(engine) as session:
        ensure_catalog(session)
        role = session.scalar(select(Role.id).where(Role.code == "supervisor"))
        user = User(username="bench-trends", roles=[UserRole(role_id=role, scope="all")])
        session.add(user)
        session.commit()
        token = issue_token(user_id=user.id, username=user.username, kind="access").token
    engine.dispose()
    client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    year = {"from": "2025-11-03", "to": "2026-11-02"}
    month = {"from": "2026-10-05", "to": "2026-11-02"}
    calls = [
        ("counts, week x category, one year", "/api/v1/trends/counts", year),
        (
            "counts, month x street, one year",
            "/api/v1/trends/counts",
            year | {"granularity": "month", "by": "street"},
        ),
        ("rising (8-week baseline)", "/api/v1/trends/rising", {"to": "2026-11-02"}),
        (
            "hot words, last week vs 4 before",
            "/api/v1/trends/hot-words",
            {"from": "2026-10-26", "to": "2026-11-02"},
        ),
        ("hot problems, 4 weeks", "/api/v1/trends/hot-problems", month),
        ("hot spots, 4 weeks", "/api/v1/trends/hotspots", month),
        ("forecast (fits LightGBM)", "/api/v1/trends/forecast", {}),
    ]
    lines = [
        "## Trend endpoints",
        "",
        "Through the ASGI app (FastAPI TestClient, no network) on the demo SQLite database, as a supervisor "
        "(all data); median of 3 calls after one warm-up call.",
        "",
        "| call | path | ms | rows |",
        "|---|---|---:|---:|",
    ]
    for label, path, params in calls:
        response = client.get(path, params=params)
        assert response.status_code == 200, response.text
        times = []
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(path, params=params)
            times.append((time.perf_counter() - started) * 1000)
        median = sorted(times)[1]
        print(f"{label}: {median:.0f} ms")
        lines.append(f"| {label} | `{path}` | {median:.0f} | {len(response.json()['rows'])} |")
    lines.append("")
    lines.append(
        "The forecast endpoint learns from the 52 whole weeks before the real clock's week, so on this "
        "fixed demo history its figures depend on the day it runs; only its time matters here."
    )
    lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=12, help="backtest origins (the last K weeks)")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-trends-") as workdir:
        url, seed_seconds = seed_demo(Path(workdir))
        print(f"demo district seeded in {seed_seconds:.1f} s")
        panel, names = demo_panel(url)
        forecast_lines, _ = forecast_section(panel, names, args.weeks)
        hot_lines = hot_problem_section()
        api_lines = api_section(url)
    total = time.perf_counter() - started
    header = [
        "# Trends benchmark (`make bench-trends`)",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- command: `.venv/bin/python benchmarks/bench_trends.py --weeks {args.weeks}`",
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()} "
        "(shared with other work)",
        f"- demo seed: {seed_seconds:.1f} s ({SCALE} scale); whole run {total:.0f} s",
        "",
    ]
    body = "\n".join([*header, *forecast_lines, *hot_lines, *api_lines])
    args.report.write_text(body + "\n" + NOTES, encoding="utf-8")
    print(f"wrote {args.report}")


if __name__ == "__main__":
    main()
