"""Match the lexicon against a text: phrases (negation and degree + root), a lexicon score, flags.

A text is normalised like every other text (features.text.normalize) and cut by the shared jieba tokenizer.
A root may span up to three tokens (不作为 is 不 + 作为), matched longest first. Negation words and degree
adverbs act on the next root within three tokens in the same clause. A negated positive root turns
negative (不满意); a negated negative root turns mildly positive (不差), since "not bad" is not "good";
a negated risk word (没有火灾) raises no flag. The lexicon score is tanh(Σ polarity × score × degree / 4).
"""

import math
import re
from dataclasses import dataclass, field

from features.emotion.lexicon import Lexicon, Root
from features.text.normalize import normalize
from features.text.tokenize import get_tokenizer

WINDOW = 3
MAX_SPAN = 3
NEGATED_NEGATIVE = -0.5
SCORE_SCALE = 4.0
# 好 before a quantity or comparison is an adverb (好几天, 好多次, 好像, 好久), not praise.
_NOT_A_ROOT_BEFORE = {"好": tuple("几多像久些似比在")}
_CLAUSE_END = frozenset(",.!?;:，。！？；：、\n…~")
_EXCLAIM = re.compile(r"[!！]")
_QUESTION = re.compile(r"[?？]")
FEATURE_NAMES = (
    "lex_score",
    "lex_positive",
    "lex_negative",
    "lex_positive_count",
    "lex_negative_count",
    "lex_negated",
    "lex_degree",
    "lex_urgent",
    "lex_important",
    "exclamations",
    "questions",
    "log_length",
)


@dataclass(frozen=True)
class Phrase:
    """A matched phrase: its text (modifiers and root), the root word, and its signed weight."""

    text: str
    root: str
    weight: float


@dataclass
class Match:
    phrases: list[Phrase] = field(default_factory=list)
    score: float = 0.0
    urgent: bool = False
    important: bool = False
    risk_tags: list[str] = field(default_factory=list)
    negated: int = 0
    degree_sum: float = 0.0

    @property
    def root_words(self) -> list[str]:
        """Return the matched roots, strongest first, each once."""
        ranked = sorted(self.phrases, key=lambda p: -abs(p.weight))
        return list(dict.fromkeys(p.root for p in ranked))

    @property
    def positive(self) -> float:
        return sum(p.weight for p in self.phrases if p.weight > 0)

    @property
    def negative(self) -> float:
        return -sum(p.weight for p in self.phrases if p.weight < 0)


def _lookup(tokens: list[str], i: int, table: dict | frozenset) -> tuple[str, int] | None:
    """Return (word, tokens used) of the longest entry of TABLE at token i, joining up to 3 tokens."""
    for span in range(min(MAX_SPAN, len(tokens) - i), 0, -1):
        word = "".join(tokens[i : i + span])
        if word in table:
            return word, span
    return None


class _Modifiers:
    """Negations and the degree adverb seen since the last root, within the window, in this clause."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.negations = 0
        self.degree = 1.0
        self.start: int | None = None
        self.last = -10

    def note(self, position: int) -> None:
        if self.start is None:
            self.start = position
        self.last = position

    def active(self, position: int) -> bool:
        return position - self.last <= WINDOW


def _weight(root: Root, modifiers: _Modifiers) -> tuple[float, bool]:
    """Return (signed weight, negated) of a root under the modifiers in force."""
    weight = root.polarity * root.score * modifiers.degree
    negated = modifiers.negations % 2 == 1
    if negated:
        weight *= -1.0 if root.polarity > 0 else (0.0 if root.risk_tags else NEGATED_NEGATIVE)
    return weight, negated


def _is_entry(token: str, lexicon: Lexicon) -> bool:
    return token in lexicon.roots or token in lexicon.negations or token in lexicon.degrees


def _expand(tokens: list[str], lexicon: Lexicon, known: dict[str, int]) -> list[str]:
    """Split tokens so that modifiers and roots inside them stand alone.

    jieba keeps a one-character negation or degree on a root (不差, 太烦), and its HMM glues unknown runs
    together (店不差). Such tokens are split: the first character off a known root, unknown words into
    characters.
    """
    out: list[str] = []
    for token in tokens:
        if len(token) == 1 or _is_entry(token, lexicon):
            out.append(token)
        elif token[1:] in lexicon.roots and (token[0] in lexicon.negations or token[0] in lexicon.degrees):
            out.extend((token[0], token[1:]))
        elif token not in known and any(_is_entry(ch, lexicon) for ch in token):
            out.extend(token)
        else:
            out.append(token)
    return out


def _is_adverb_use(word: str, tokens: list[str], after: int) -> bool:
    """Tell whether a root is used as an adverb here (好 in 好几天), judged by the token after it."""
    blocked = _NOT_A_ROOT_BEFORE.get(word)
    return bool(blocked) and after < len(tokens) and tokens[after].startswith(blocked)


def match(text: str, lexicon: Lexicon, *, is_normalised: bool = False) -> Match:
    """Return the lexicon's phrases, score and flags in TEXT (raw, or normalised already)."""
    normalised = (text or "") if is_normalised else normalize(text or "")
    result = Match()
    if not normalised:
        return result
    tokenizer = get_tokenizer()
    cut = [t for t in tokenizer.cut(normalised, HMM=True) if not t.isspace()]
    tokens = _expand(cut, lexicon, tokenizer.FREQ)
    modifiers = _Modifiers()
    tags: dict[str, None] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in _CLAUSE_END or not modifiers.active(i):
            modifiers.clear()
        found = _lookup(tokens, i, lexicon.roots)
        if found is not None and _is_adverb_use(found[0], tokens, i + found[1]):
            found = None
        if found is not None:
            word, span = found
            root = lexicon.roots[word]
            weight, negated = _weight(root, modifiers)
            start = modifiers.start if modifiers.start is not None else i
            phrase_text = "".join(tokens[start : i + span])
            if (root.polarity or root.attrs) and not (negated and weight == 0):
                result.phrases.append(Phrase(phrase_text, word, round(weight, 3)))
            if not negated:
                result.urgent |= root.urgent
                result.important |= root.important
                tags.update(dict.fromkeys(sorted(root.risk_tags)))
            result.negated += int(negated)
            result.degree_sum += modifiers.degree - 1.0
            modifiers.clear()
            i += span
            continue
        negation = _lookup(tokens, i, lexicon.negations)
        degree = _lookup(tokens, i, lexicon.degrees)
        if negation is not None and (degree is None or negation[1] >= degree[1]):
            modifiers.negations += 1
            modifiers.note(i)
            i += negation[1]
            continue
        if degree is not None:
            modifiers.degree = (
                max(modifiers.degree, lexicon.degrees[degree[0]])
                if modifiers.degree >= 1
                else (lexicon.degrees[degree[0]])
            )
            modifiers.note(i)
            i += degree[1]
            continue
        i += 1
    raw = sum(p.weight for p in result.phrases)
    result.score = math.tanh(raw / SCORE_SCALE)
    result.risk_tags = list(tags)
    return result


def feature_row(text: str, found: Match) -> list[float]:
    """Return the numeric lexicon features of one text (see FEATURE_NAMES)."""
    positives = sum(1 for p in found.phrases if p.weight > 0)
    negatives = sum(1 for p in found.phrases if p.weight < 0)
    text = text or ""
    return [
        found.score,
        math.log1p(found.positive),
        math.log1p(found.negative),
        math.log1p(positives),
        math.log1p(negatives),
        math.log1p(found.negated),
        math.log1p(max(found.degree_sum, 0.0)),
        float(found.urgent),
        float(found.important),
        math.log1p(len(_EXCLAIM.findall(text))),
        math.log1p(len(_QUESTION.findall(text))),
        math.log1p(len(text)) / 5.0,
    ]
