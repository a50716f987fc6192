"""BM25 relevance in pure Python, scored the way SQLite FTS5 scores its porter index."""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Sequence

from memory.text import query_terms, words

K1 = 1.2
B = 0.75
_MIN_IDF = 1e-6
"""FTS5's floor for a word found in most documents: it still counts, barely."""


def _is_consonant(word: str, i: int) -> bool:
    if word[i] in "aeiou":
        return False
    return word[i] != "y" or i == 0 or not _is_consonant(word, i - 1)


def _measure(stem: str) -> int:
    """Porter's m: how many vowel-consonant sequences the stem has."""
    kinds = "".join("c" if _is_consonant(stem, i) else "v" for i in range(len(stem)))
    return "".join(k for i, k in enumerate(kinds) if i == 0 or k != kinds[i - 1]).count("vc")


def _has_vowel(stem: str) -> bool:
    return any(not _is_consonant(stem, i) for i in range(len(stem)))


def _ends_cvc(stem: str) -> bool:
    """Consonant-vowel-consonant, the last not w, x or y: "hik" wants its "e" back."""
    n = len(stem)
    return (
        n >= 3
        and _is_consonant(stem, n - 3)
        and not _is_consonant(stem, n - 2)
        and _is_consonant(stem, n - 1)
        and stem[-1] not in "wxy"
    )


def stem(word: str) -> str:
    """Porter's step 1 (plurals, -ed, -ing, final y), so "hiking" and "hikes" meet at "hike".

    The later Porter steps (-ation, -ness, -ful, ...) are left out: they merge words
    with different meanings more often than they help a search over short facts.
    """
    if len(word) <= 2:
        return word
    if word.endswith(("sses", "ies")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if word.endswith("eed"):
        if _measure(word[:-3]) > 0:
            word = word[:-1]
    else:
        for suffix in ("ed", "ing"):
            if word.endswith(suffix) and _has_vowel(word[: -len(suffix)]):
                word = word[: -len(suffix)]
                if word.endswith(("at", "bl", "iz")):
                    word += "e"
                elif (
                    len(word) >= 2
                    and word[-1] == word[-2]
                    and _is_consonant(word, len(word) - 1)
                    and word[-1] not in "lsz"
                ):
                    word = word[:-1]
                elif _measure(word) == 1 and _ends_cvc(word):
                    word += "e"
                break
    if word.endswith("y") and _has_vowel(word[:-1]):
        word = word[:-1] + "i"
    return word


def _term(word: str) -> str:
    """A word as the index keeps it: accents removed (like FTS5's remove_diacritics), stemmed."""
    decomposed = unicodedata.normalize("NFKD", word)
    return stem("".join(c for c in decomposed if not unicodedata.combining(c)))


def bm25_scores(
    query: str, documents: Sequence[Sequence[str]], weights: Sequence[float]
) -> list[float]:
    """Okapi BM25 of each document for the words of `query`: higher is better.

    A document is one text per field, and `weights[i]` scales how much a word found
    in field `i` counts, like the arguments of FTS5's `bm25()`. Scores are computed
    over `documents` alone, so they rank a user's memories among themselves. A
    document that contains no word of the query scores exactly 0.
    """
    terms = list(dict.fromkeys(_term(w) for w in query_terms(query)))
    fields = [[Counter(_term(w) for w in words(text)) for text in doc] for doc in documents]
    lengths = [sum(sum(field.values()) for field in doc) for doc in fields]
    if not terms or not fields:
        return [0.0] * len(fields)
    average_length = sum(lengths) / len(lengths) or 1.0
    frequencies = [
        {t: sum(w * field[t] for w, field in zip(weights, doc, strict=True)) for t in terms}
        for doc in fields
    ]
    count = len(fields)
    idf = {}
    for t in terms:
        hits = sum(1 for doc in frequencies if doc[t] > 0)
        idf[t] = max(math.log((count - hits + 0.5) / (hits + 0.5)), _MIN_IDF)
    return [
        sum(
            idf[t] * f[t] * (K1 + 1) / (f[t] + K1 * (1 - B + B * length / average_length))
            for t in terms
        )
        for f, length in zip(frequencies, lengths, strict=True)
    ]
