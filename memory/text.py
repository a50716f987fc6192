"""Words, stems and index terms: the one tokenizer every backend and ranking rule shares.

A memory's text and topics become index terms (lower-cased, accents removed,
stop words dropped, stemmed by Snowball's English stemmer through PyStemmer), and
a query becomes
terms the same way, so "nation" finds "nationally" and "hikes" finds "hiking"
whichever backend stores the memory.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import Stemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
"""Runs of letters and digits; punctuation, underscores and query syntax separate words."""

# Words that carry no meaning in a question about a user. "user" is here because
# nearly every memory is phrased "The user ...": matching it finds everything.
STOP_WORDS = frozenset(
    """
    a about after again all also am an and any are as at be because been before being
    between both but by can could did do does doing done for from had has have having he
    her here hers him his how i if in into is it its just me more most my no nor not now
    of off on once only or other our out over own same she should so some such than that
    the their them then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours
    user users s t
    """.split()
)

TOPIC_WEIGHT = 0.5
"""A word in a memory's topics counts half as much as one in its text."""

_STEMMER = Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased words, accents kept; punctuation and query syntax are dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


_MEMO_LIMIT = 100_000
"""Entries kept by each memo below. A dict of strings, unlike an lru_cache (one list per
entry), gives the garbage collector nothing to scan, however often it collects."""
_terms: dict[str, str] = {}
_normalized: dict[str, str] = {}


def _memo(memo: dict[str, str], key: str, value: str) -> str:
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


def term(word: str) -> str:
    """A word as the index keeps it: accents removed, then stemmed ("Zoë's" -> "zoe")."""
    if word.isdigit():
        return word
    found = _terms.get(word)
    if found is not None:
        return found
    plain = word
    if not word.isascii():
        decomposed = unicodedata.normalize("NFKD", word)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _memo(_terms, word, str(_STEMMER.stemWord(plain)))


def terms(text: str) -> list[str]:
    """The index terms of `text`, in order, repeats kept."""
    return list(_terms_of(words(text)))


def query_terms(text: str) -> list[str]:
    """The terms of a search query, in order, without repeats; [] when nothing is left."""
    return list(dict.fromkeys(terms(text)))


@dataclass(frozen=True)
class IndexedText:
    """What keyword ranking needs of one memory: its terms and its length."""

    text_terms: tuple[str, ...]
    topic_terms: tuple[str, ...]
    length: int
    """Words in text and topics, stop words included, as BM25 counts a document's length."""

    @functools.cached_property
    def frequencies(self) -> dict[str, float]:
        """Each term's count in the text plus `TOPIC_WEIGHT` times its count in the topics."""
        counts: dict[str, float] = {}
        for t in self.text_terms:
            counts[t] = counts.get(t, 0.0) + 1.0
        for t in self.topic_terms:
            counts[t] = counts.get(t, 0.0) + TOPIC_WEIGHT
        return counts


def index_text(text: str, topics: Sequence[str]) -> IndexedText:
    """A memory as the keyword index sees it."""
    text_words, topic_words = words(text), words(" ".join(topics))
    return IndexedText(
        _terms_of(text_words), _terms_of(topic_words), len(text_words) + len(topic_words)
    )


def _terms_of(found: list[str]) -> tuple[str, ...]:
    return tuple(term(w) for w in found if w not in STOP_WORDS)


@functools.lru_cache(maxsize=65_536)
def _cached_index(text: str, topics: tuple[str, ...]) -> IndexedText:
    return index_text(text, topics)


def cached_index_text(text: str, topics: Sequence[str]) -> IndexedText:
    """`index_text`, cached for searches that index every memory of a user each time.

    The result is shared: never modify it. Writers call `index_text` instead, so
    a process that writes a lot does not fill memory (and slow its garbage
    collector) with texts it will never search this way.
    """
    return _cached_index(text, tuple(topics))


def normalized_text(text: str) -> str:
    """The form two memories share when they state the same fact in the same words.

    Remembered: one write asks for the same text's form several times.
    """
    found = _normalized.get(text)
    return found if found is not None else _memo(_normalized, text, " ".join(words(text)))


def content_words(text: str) -> frozenset[str]:
    """The distinct terms of `text`, for comparing two memories by the words they share."""
    return frozenset(terms(text))
