"""Jieba tokenisation with the domain dictionary and stopwords; `tokenize` is what the dispatch model uses.

`tokenize` is a module-level function so that MLflow's skops format can trust it by name:
``skops_trusted_types=["features.text.tokenize.tokenize"]``.
"""

import logging
import threading
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jieba

from core_app.config import get_settings
from features.text.normalize import PLACEHOLDERS, normalize

jieba.setLogLevel(logging.WARNING)  # its DEBUG lines on every start are noise in the CLI and server logs

_DATA = resources.files("features.text.data")
_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def cache_dir() -> Path:
    """Return where jieba keeps its prefix-dictionary cache (under BUTLER_VAR_DIR)."""
    return get_settings().var_dir / "cache" / "jieba"


def extra_dictionary_path() -> Path:
    """Return the optional dictionary written by training from database terms."""
    return get_settings().var_dir / "text" / "userdict.txt"


def _data_lines(text: str) -> list[str]:
    """Return the non-empty, non-comment lines of a data file."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Return the shipped stopword set."""
    return frozenset(_data_lines(_DATA.joinpath("stopwords.txt").read_text(encoding="utf-8")))


def _add_dictionary(tokenizer: jieba.Tokenizer, text: str) -> None:
    """Add 'word [freq] [tag]' lines to a tokenizer, normalised like the text it will cut."""
    for line in _data_lines(text):
        word, *rest = line.split()
        freq = int(rest[0]) if rest and rest[0].isdigit() else None
        tag = rest[-1] if rest and not rest[-1].isdigit() else None
        tokenizer.add_word(unicodedata.normalize("NFKC", word).lower(), freq, tag)


def _build_tokenizer() -> jieba.Tokenizer:
    """Create a private jieba tokenizer with its cache under the var dir and the domain dictionaries."""
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = str(cache_dir())
    cache_dir().mkdir(parents=True, exist_ok=True)
    tokenizer.initialize()
    _add_dictionary(tokenizer, _DATA.joinpath("userdict.txt").read_text(encoding="utf-8"))
    extra = extra_dictionary_path()
    if extra.is_file():
        _add_dictionary(tokenizer, extra.read_text(encoding="utf-8"))
    return tokenizer


def get_tokenizer() -> jieba.Tokenizer:
    """Return the process's tokenizer, building it on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                _tokenizer = _build_tokenizer()
    return _tokenizer


def reset() -> None:
    """Forget the built tokenizer so the next call reloads dictionaries and settings."""
    global _tokenizer
    with _lock:
        _tokenizer = None
    joined_tokens.cache_clear()


def warm_up() -> None:
    """Build the tokenizer and the converter and cut one text, so the first request does not pay for it."""
    tokenize("市民反映小區噪音擾民")


def _is_content(token: str) -> bool:
    """Tell whether a token has a letter or a digit (pure punctuation and symbols do not)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


def tokenize(text: str) -> list[str]:
    """Normalise and cut a text into tokens, dropping stopwords and punctuation, keeping placeholders."""
    return cut(normalize(text))


def cut(normalised: str) -> list[str]:
    """Cut an already normalised text into tokens (see `tokenize`), for callers that normalise once."""
    if not normalised:
        return []
    stop = stopwords()
    return [
        token
        for token in get_tokenizer().cut(normalised, cut_all=False, HMM=True)
        if token in PLACEHOLDERS or (token not in stop and _is_content(token))
    ]


@lru_cache(maxsize=50_000)
def joined_tokens(normalised: str) -> str:
    """Return `cut` joined by spaces, remembered: training reads each text more than once."""
    return " ".join(cut(normalised))
