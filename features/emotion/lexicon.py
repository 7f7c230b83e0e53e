"""The emotion lexicon: root words with polarity, score and attributes, negation words and degree adverbs.

The shipped lexicon (features/emotion/data) was curated by hand for citizen reports and general text; it uses
no third-party lexicon, so the product needs nothing with a restrictive licence. Admins edit it in the
database in versions (core_app.emotion); the active version reaches the scorer as a `Lexicon`.
"""

import csv
import hashlib
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

URGENT = "urgent"
IMPORTANT = "important"
FLAGS = frozenset({URGENT, IMPORTANT})
MAX_SCORE = 5.0
_DATA = resources.files("features.emotion.data")


class LexiconError(ValueError):
    """A lexicon row that cannot be used: the message names the word and the field."""


@dataclass(frozen=True)
class Root:
    """A root word (词根): polarity -1/0/1, score 1-5 (0 for a pure risk word), and its attributes."""

    word: str
    polarity: int
    score: float
    attrs: frozenset[str] = frozenset()

    @property
    def urgent(self) -> bool:
        return URGENT in self.attrs

    @property
    def important(self) -> bool:
        return IMPORTANT in self.attrs

    @property
    def risk_tags(self) -> frozenset[str]:
        return self.attrs - FLAGS


def normalize_word(word: str) -> str:
    """Return a word as matching sees text: NFKC (full-width to half-width) and lower case."""
    return unicodedata.normalize("NFKC", str(word)).strip().lower()


def _attrs(value: Any) -> frozenset[str]:
    return frozenset(a.strip().lower() for a in str(value or "").split(",") if a.strip())


def _root(row: dict[str, Any]) -> Root:
    word = normalize_word(row["word"])
    try:
        polarity = int(float(row.get("polarity") or 0))
        score = float(row.get("score") or 0)
    except ValueError:
        raise LexiconError(f"root '{word}': polarity and score must be numbers") from None
    if polarity not in (-1, 0, 1):
        raise LexiconError(f"root '{word}': polarity must be -1, 0 or 1, not {polarity}")
    if not 0 <= score <= MAX_SCORE:
        raise LexiconError(f"root '{word}': score must be between 0 and {MAX_SCORE:g}, not {score:g}")
    return Root(word, polarity, score, _attrs(row.get("attrs")))


def _degree(row: dict[str, Any]) -> tuple[str, float]:
    word = normalize_word(row["word"])
    try:
        multiplier = float(row.get("score") or 0)
    except ValueError:
        raise LexiconError(f"degree '{word}': the multiplier must be a number") from None
    if not 0 < multiplier <= 5:
        raise LexiconError(f"degree '{word}': the multiplier must be in (0, 5], not {multiplier:g}")
    return word, multiplier


@dataclass(frozen=True)
class Lexicon:
    roots: dict[str, Root]
    negations: frozenset[str]
    degrees: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, Any]]) -> "Lexicon":
        """Build a lexicon from rows {kind: root|negation|degree, word, polarity, score, attrs}."""
        roots: dict[str, Root] = {}
        negations: set[str] = set()
        degrees: dict[str, float] = {}
        for row in rows:
            kind, word = str(row.get("kind", "")).strip(), normalize_word(row.get("word", ""))
            if not word:
                raise LexiconError("a lexicon row has an empty word")
            if kind == "root":
                roots[word] = _root(row)
            elif kind == "negation":
                negations.add(word)
            elif kind == "degree":
                degrees.update([_degree(row)])
            else:
                raise LexiconError(f"'{word}': kind must be root, negation or degree, not '{kind}'")
        return cls(roots, frozenset(negations), degrees)

    @classmethod
    def packaged(cls) -> "Lexicon":
        """Return the lexicon shipped with the package."""
        return _packaged()

    def to_rows(self) -> list[dict[str, Any]]:
        """Return the lexicon as rows for `from_rows` (and the database): roots, negations, degrees."""
        rows: list[dict[str, Any]] = [
            {
                "kind": "root",
                "word": r.word,
                "polarity": r.polarity,
                "score": r.score,
                "attrs": ",".join(sorted(r.attrs)),
            }
            for r in self.roots.values()
        ]
        rows += [
            {"kind": "negation", "word": w, "polarity": None, "score": None, "attrs": ""}
            for w in sorted(self.negations)
        ]
        rows += [
            {"kind": "degree", "word": w, "polarity": None, "score": m, "attrs": ""}
            for w, m in self.degrees.items()
        ]
        return rows

    @cached_property
    def fingerprint(self) -> str:
        """Return a short hash of the content: equal lexicons share it (a cache key for scorers)."""
        digest = hashlib.sha1()
        for row in sorted(self.to_rows(), key=lambda r: (r["kind"], r["word"])):
            digest.update(repr(sorted(row.items())).encode("utf-8"))
        return digest.hexdigest()[:16]

    @cached_property
    def longest_word(self) -> int:
        """Return the length in characters of the longest entry (how far matching looks ahead)."""
        words = [*self.roots, *self.negations, *self.degrees]
        return max((len(w) for w in words), default=1)

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lexicon) and self.fingerprint == other.fingerprint


def _data_rows(name: str) -> list[dict[str, str]]:
    text = _DATA.joinpath(name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


def _word_lines(name: str) -> list[str]:
    text = _DATA.joinpath(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def _packaged() -> Lexicon:
    rows: list[dict[str, Any]] = [{"kind": "root", **row} for row in _data_rows("roots.csv")]
    rows += [{"kind": "negation", "word": word} for word in _word_lines("negations.txt")]
    rows += [
        {"kind": "degree", "word": row["word"], "score": row["multiplier"]}
        for row in _data_rows("degrees.csv")
    ]
    return Lexicon.from_rows(rows)
