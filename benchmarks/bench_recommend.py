"""Next-matter recommendation benchmark: the model against the popularity and association-rule baselines on
a time split of the demo district. Writes reports/recommend.md.

.venv/bin/python benchmarks/bench_recommend.py [--reuse] [--scale medium] [--db var/bench/recommend-medium.db]
(`make bench-recommend`: about 6 minutes with a seeded district, 8 with seeding, on 2 cores; run it alone)

The district: `butler seed --scale medium --seed 42 --now 2026-11-24T06:00:00+08:00` into a SQLite file
(`--reuse` keeps one already seeded there). The evaluation is training.recommend.evaluate, the same code as
`butler train recommend`: settings chosen at the validation cutoff, figures measured at the test cutoff.
"""

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "reports" / "recommend.md"
DEFAULT_DB = ROOT / "var" / "bench" / "recommend-medium.db"

NOTES = """## Notes and limits

- The demo district is synthetic. About a third of its cases follow seeded life-event journeys (founding a
  company, a birth, buying a home, retiring, ...: ordered steps, some optional, with random gaps); the rest
  are independent draws: matter from the district's overall mix, applicant at random. The recommender is not
  told the journeys: it sees case histories, profiles and the matter catalogue only, and finds the
  sequences through the association rules it computes from the cases before each cutoff.
- {ceiling}
- Popularity and association rules are tuned as fairly as the model (their windows chosen at V). The rule
  baseline recommends consequents the applicant has not done yet, ranked by directional confidence, then
  popular matters; the model also ranks repeats, segment and profile affinities, and the recency of the
  antecedent against each rule's median gap.
- Profiles are the current snapshot (birth year, gender, industry, insured employees, founding date):
  ages are taken at each cutoff and a founding after a cutoff is hidden at it, but the insured-employee
  count is today's value (the seed keeps it fixed).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="keep the district already seeded in --db")
    parser.add_argument("--scale", default="medium", choices=["test", "small", "medium", "large"])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="SQLite file of the district")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args()
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    sys.path.insert(0, str(Path(__file__).parent))
    from districts import SEED_NOW, seeded_sqlite

    started = time.perf_counter()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    url = seeded_sqlite(args.db.resolve(), args.scale, reuse=args.reuse)
    histories, profiles, matters, read_seconds = read_district(url)
    print(f"  read {len(histories):,} cases in {read_seconds:.1f} s", file=sys.stderr)

    from training.recommend import evaluate, report_lines, targets

    began = time.perf_counter()
    evaluation = evaluate(
        histories, profiles, matters, on_step=lambda message: print(f"  {message}", file=sys.stderr)
    )
    evaluate_seconds = time.perf_counter() - began
    cold = cold_timings(evaluation, histories, profiles, matters)
    goal = targets(evaluation)
    header = [
        "# Next-matter recommendation: model vs popularity and association rules",
        "",
        f"`python benchmarks/bench_recommend.py` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}). District: "
        f"`butler seed --scale {args.scale} --seed 42 --now {SEED_NOW}` into SQLite; {len(histories):,} "
        f"cases (returned and voided applications left out) of {histories['subject'].nunique():,} "
        f"applicants, {len(profiles):,} profiles, {len(matters)} catalogued matters.",
        "",
        f"**hit@5: model {goal['ratio_to_popularity']:.2f}x popularity (target 2x: "
        f"{'met' if goal['twice_popularity'] else 'NOT met'}); ahead of the association-rule baseline: "
        f"{'yes' if goal['ahead_of_rules'] else 'NO'}.** See the notes on why 2x is out of reach here.",
        "",
    ]
    footer = [
        "The model's fit above reuses the labelled rows of the cutoffs it shares with the validation fits. "
        f"Cold, with the chosen settings: fit on the cases before T {cold['fit']:.0f} s; recommend the top 5 "
        f"for every applicant with a case before T ({cold['subjects']:,}) {cold['recommend']:.0f} s "
        f"({cold['subjects'] / cold['recommend']:,.0f} applicants a second).",
        "",
        "Whole evaluation (choosing at V: 4 + 2 baseline fits and 3 model fits; then the three methods at "
        f"T): {evaluate_seconds:.0f} s; reading the cases {read_seconds:.1f} s; the benchmark in all "
        f"{time.perf_counter() - started:.0f} s (with seeding unless reused).",
        "",
    ]
    notes = NOTES.format(ceiling=ceiling_note(evaluation))
    args.report.write_text("\n".join([*header, *report_lines(evaluation), *footer, notes]), encoding="utf-8")
    print(f"wrote {args.report}", file=sys.stderr)


def cold_timings(evaluation, histories, profiles, matters) -> dict:
    """Time a fit without reused rows, and recommending for every applicant with a case before T."""
    from models.recommend import NextMatterRecommender
    from models.recommend.split import history_frame

    test = evaluation.dates.test
    before = history_frame(histories)
    before = before[before["submitted_at"] < test]
    began = time.perf_counter()
    model = NextMatterRecommender(**evaluation.settings["model"]).fit(
        before, profiles, matters=matters, now=test
    )
    fitted = time.perf_counter()
    lists = model.recommend(before, profiles, now=test, k=5)
    return {
        "fit": fitted - began,
        "recommend": time.perf_counter() - fitted,
        "subjects": int(lists["subject"].nunique()),
    }


def ceiling_note(evaluation) -> str:
    """Say, with this run's figures, how far sequences in the histories can carry hit@5 on this district."""
    hits = evaluation.slices.set_index(["slice", "method"])["hit_at_5"]
    share = evaluation.sizes["following_share"]
    led, rest = "next matter follows a strong rule", "no strong rule to the next matter"
    popular = evaluation.overall.set_index("method").loc["popularity", "hit_at_5"]
    bound = share + (1 - share) * hits[(rest, "model")]
    needed = (2 * popular - share) / (1 - share)
    return (
        "The 2x-popularity target is out of reach on this district. The slices 'next matter follows a "
        "strong rule' and 'no strong rule to the next matter' split the evaluated applicants by whether a "
        "matter they started in the test window is the consequent of a strong rule (lift >= 3, directional "
        "confidence >= 0.1) from a matter they did in the 90 days before T. The first group is "
        f"{share:.1%} of them, and the model hits {hits[(led, 'model')]:.1%} of it. In the second group the "
        "next matters are mostly independent draws (the seed picks the matter from the district's mix and "
        "the applicant at random), about which a history says little beyond popularity: popularity hits "
        f"{hits[(rest, 'popularity')]:.3f} there, the model {hits[(rest, 'model')]:.3f}. A perfect first "
        f"group with the model's second would give {share:.3f} + {1 - share:.3f} x "
        f"{hits[(rest, 'model')]:.3f} = {bound:.3f}; twice popularity ({2 * popular:.3f}) would need "
        f"{needed:.3f} on the second group, whose next matters are drawn independently of the applicants' "
        "histories. The target needs demand more sequential than this district's (a larger journey share)."
    )


def read_district(url: str):
    """Return (histories, profiles, matters, seconds) read through the shared readers."""
    from sqlalchemy.orm import Session

    import core_app.db.registry  # noqa: F401  (every model mapped before the first query)
    from core_app.db.session import build_engine
    from training.recommend import database_input

    engine = build_engine(url)
    began = time.perf_counter()
    with Session(engine) as session:
        histories, profiles, matters = database_input(session)
    engine.dispose()
    return histories, profiles, matters, time.perf_counter() - began


if __name__ == "__main__":
    main()
