"""Polarity on held-out public data, in and across domains: our model against SnowNLP, cnsenti and a lexicon.

.venv/bin/python benchmarks/bench_emotion.py   (`make bench-emotion`; writes reports/emotion.md)

Held-out sets (seed 0), negative vs positive (neutral and surprise rows are left out of the binary task):
- Weibo usual test: SMP2020-EWECT usual/test (5,000 posts, general Weibo);
- Hotel held-out: a stratified 20% of ChnSentiCorp hotel reviews;
- cross-domain: a model trained on Weibo only, tested on hotel reviews; one trained on hotel reviews only,
  tested on the Weibo usual test; one trained on COVID Weibo (virus) only, tested on general Weibo (usual).
Our model in-domain is trained on everything else (Weibo usual/eval + virus + hotel 80%). SnowNLP (trained on
shopping reviews), cnsenti (HowNet-style lexicon counts) and the plain lexicon (our shipped root words, no
training) are not trained here. Ties (equal positive and negative evidence) count as positive for them.
"""

import argparse
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, recall_score, roc_auc_score
from sklearn.model_selection import train_test_split

from features.emotion import Lexicon, match
from models.emotion.estimator import NEGATIVE, POSITIVE, EmotionClassifier
from training.emotion import public_corpus

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
REPORT = ROOT / "reports" / "emotion.md"
OURS, SNOW, CNSENTI, LEXICON = "ours (EmotionClassifier)", "SnowNLP", "cnsenti", "plain lexicon"
TARGET_LEAD = 0.05
WEIBO_TEST, HOTEL_TEST = "weibo_usual_test", "hotel_test"


@dataclass
class HeldOut:
    name: str
    kind: str
    train: pd.DataFrame
    test: pd.DataFrame
    test_name: str


def held_out_sets(corpus: pd.DataFrame, seed: int) -> list[HeldOut]:
    """Return the five train/test pairs described in the module docstring."""
    weibo = corpus[corpus["domain"].str.startswith("weibo")]
    hotel = corpus[corpus["domain"] == "hotel"]
    usual_test = weibo[(weibo["domain"] == "weibo_usual") & (weibo["split"] == "test")]
    weibo_rest = weibo.drop(usual_test.index)
    hotel_train, hotel_test = train_test_split(
        hotel, test_size=0.2, stratify=hotel["polarity"], random_state=seed
    )
    both = pd.concat([weibo_rest, hotel_train])
    virus = weibo[weibo["domain"] == "weibo_virus"]
    return [
        HeldOut("Weibo usual test", "in-domain", both, usual_test, WEIBO_TEST),
        HeldOut("Hotel held-out 20%", "in-domain", both, hotel_test, HOTEL_TEST),
        HeldOut("Weibo -> Hotel", "cross-domain", weibo_rest, hotel_test, HOTEL_TEST),
        HeldOut("Hotel -> Weibo usual test", "cross-domain", hotel_train, usual_test, WEIBO_TEST),
        HeldOut("Weibo virus -> Weibo usual test", "cross-domain", virus, usual_test, WEIBO_TEST),
    ]


def binary(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["polarity"].isin([NEGATIVE, POSITIVE])]


# ---- scorers: each returns a score per text, positive means positive polarity ----


def snownlp_scores(texts: list[str]) -> np.ndarray:
    from snownlp import SnowNLP

    return np.asarray([SnowNLP(t).sentiments - 0.5 if t.strip() else 0.0 for t in texts])


def cnsenti_scores(texts: list[str]) -> np.ndarray:
    from cnsenti import Sentiment

    senti = Sentiment()
    counts = [senti.sentiment_count(t) for t in texts]
    return np.asarray([c["pos"] - c["neg"] for c in counts], dtype=float)


def lexicon_scores(texts: list[str]) -> np.ndarray:
    lexicon = Lexicon.packaged()
    return np.asarray([match(t, lexicon).score for t in texts])


def ours_scores(model: EmotionClassifier, texts: list[str]) -> np.ndarray:
    proba = model.predict_proba(texts)
    classes = list(model.classes_)
    return proba[:, classes.index(POSITIVE)] - proba[:, classes.index(NEGATIVE)]


def metrics_of(truth: np.ndarray, scores: np.ndarray, seconds: float) -> dict[str, float]:
    decided = np.where(scores >= 0, POSITIVE, NEGATIVE)
    return {
        "accuracy": accuracy_score(truth, decided),
        "macro_f1": f1_score(truth, decided, average="macro"),
        "roc_auc": roc_auc_score(truth == POSITIVE, scores),
        "ms_per_text": 1000 * seconds / max(len(truth), 1),
    }


def timed(scorer: Callable[[list[str]], np.ndarray], texts: list[str]) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    scores = scorer(texts)
    return scores, time.perf_counter() - started


def evaluate_set(held: HeldOut, baselines: dict[str, dict[str, tuple[np.ndarray, float]]], seed: int) -> dict:
    """Train ours on the set's training rows; score its test rows with every model."""
    train = held.train[held.train["polarity"].notna()]
    model = EmotionClassifier(random_state=seed).fit(
        train["text"].tolist(), train["polarity"].tolist(), angry=train["angry"].tolist()
    )
    test = binary(held.test)
    texts, truth = test["text"].tolist(), test["polarity"].to_numpy()
    rows = {OURS: metrics_of(truth, *timed(lambda t: ours_scores(model, t), texts))}
    for name, cached in baselines[held.test_name].items():
        rows[name] = metrics_of(truth, *cached)
    extra = {"train_rows": len(train), "test_rows": len(test), "fit_seconds": model.fit_seconds_}
    angry = held.test["angry"].to_numpy(dtype=float)
    if model.angry_ is not None and (angry == 1).any():
        known = ~np.isnan(angry)
        hits = model.anger_proba(held.test["text"][known].tolist()) >= 0.5
        extra["anger_recall"] = recall_score(angry[known].astype(int), hits.astype(int))
        extra["anger_precision"] = float((angry[known][hits] == 1).mean()) if hits.any() else 0.0
    return {"set": held, "rows": rows, "extra": extra, "model": model}


def baseline_scores(test: pd.DataFrame) -> dict[str, tuple[np.ndarray, float]]:
    texts = binary(test)["text"].tolist()
    return {
        SNOW: timed(snownlp_scores, texts),
        CNSENTI: timed(cnsenti_scores, texts),
        LEXICON: timed(lexicon_scores, texts),
    }


def latency(model: EmotionClassifier, texts: list[str], single: int = 1000) -> dict[str, float]:
    """Return p50/p99 ms of one text at a time through `analyse` (with phrases and flags), batch texts/s."""
    lexicon = Lexicon.packaged()
    model.analyse(texts[:50], lexicon=lexicon)  # warm the tokenizer and caches
    times = []
    for text in texts[:single]:
        started = time.perf_counter()
        model.analyse([text], lexicon=lexicon)
        times.append(1000 * (time.perf_counter() - started))
    batch = texts[:5000]
    started = time.perf_counter()
    for start in range(0, len(batch), 1000):
        model.analyse(batch[start : start + 1000], lexicon=lexicon)
    elapsed = time.perf_counter() - started
    return {
        "p50_ms": float(np.percentile(times, 50)),
        "p99_ms": float(np.percentile(times, 99)),
        "batch_texts_per_s": len(batch) / elapsed,
        "mean_chars": float(np.mean([len(t) for t in batch])),
    }


def report(results: list[dict], speed: dict[str, float], seconds: float) -> str:
    lines = [
        "# Emotion: polarity on held-out public data",
        "",
        f"`make bench-emotion` ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"{platform.machine()}, run {seconds / 60:.1f} min). Negative vs positive; neutral and surprise",
        "rows left out. Scores >= 0 count as positive. ms/text: the whole test set in one call, divided.",
        "",
        "Data: SMP2020-EWECT Weibo (usual = general, virus = COVID-19 topics) and ChnSentiCorp hotel",
        "reviews (research use; read from ../shared/data, not shipped). Baselines: SnowNLP 0.12.3 (its",
        "shopping-review sentiment model), cnsenti 0.0.7 (positive minus negative word counts), and the",
        "plain shipped lexicon (features.emotion, no training).",
        "",
    ]
    verdicts = []
    for result in results:
        held, rows, extra = result["set"], result["rows"], result["extra"]
        lines += [
            f"## {held.name} ({held.kind})",
            "",
            f"Trained on {extra['train_rows']:,} texts (fit {extra['fit_seconds']:.0f} s); "
            f"tested on {extra['test_rows']:,}.",
            "",
            "| model | accuracy | macro-F1 | ROC-AUC | ms/text |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, m in rows.items():
            cells = (m["accuracy"], m["macro_f1"], m["roc_auc"])
            lines.append(
                f"| {name} | " + " | ".join(f"{v:.3f}" for v in cells) + f" | {m['ms_per_text']:.2f} |"
            )
        best_other = max(m["macro_f1"] for n, m in rows.items() if n in (SNOW, CNSENTI))
        lead = rows[OURS]["macro_f1"] - best_other
        verdicts.append((held.name, lead))
        lines.append("")
        lines.append(f"Lead over the better of SnowNLP and cnsenti: {100 * lead:+.3f} macro-F1 points.")
        if "anger_recall" in extra:
            lines.append(
                f"Anger (愤怒 vs the other Weibo classes): recall {extra['anger_recall']:.3f}, "
                f"precision {extra['anger_precision']:.3f}."
            )
        lines.append("")
    met = all(lead >= TARGET_LEAD for _, lead in verdicts)
    lines += [
        "## Targets",
        "",
        "| held-out set | lead (points) | >= 5 points |",
        "|---|---:|---|",
        *[
            f"| {name} | {100 * lead:+.3f} | {'yes' if lead >= TARGET_LEAD else 'no'} |"
            for name, lead in verdicts
        ],
        "",
        f"Every set at least 5 points ahead: {'yes' if met else 'no'}.",
        "",
        "## Speed (in-process, one core, `EmotionClassifier.analyse` with the lexicon, phrases and flags)",
        "",
        f"Texts from the Weibo usual test (mean {speed['mean_chars']:.0f} characters).",
        "",
        "| measure | value | target |",
        "|---|---:|---|",
        f"| one text p50 | {speed['p50_ms']:.2f} ms | |",
        f"| one text p99 | {speed['p99_ms']:.2f} ms | <= 5 ms |",
        f"| batch (1,000 per call) | {speed['batch_texts_per_s']:,.0f} texts/s | >= 2,000 |",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"error: {DATA} not found (the public datasets)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    corpus = public_corpus(DATA)
    sets = held_out_sets(corpus, args.seed)
    baselines: dict[str, dict] = {}
    for held in sets:
        if held.test_name not in baselines:
            print(f"baselines on {held.test_name}...", flush=True)
            baselines[held.test_name] = baseline_scores(held.test)
    results = []
    for held in sets:
        print(f"{held.name}...", flush=True)
        results.append(evaluate_set(held, baselines, args.seed))
    speed = latency(results[0]["model"], sets[0].test["text"].tolist())
    text = report(results, speed, time.perf_counter() - started)
    REPORT.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
