"""Word-level text handling shared by duplicate detection and keyword search."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)

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


def words(text: str) -> list[str]:
    """Lower-cased words, accents kept; punctuation and query syntax are dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def query_terms(text: str) -> list[str]:
    """The words of a search query worth matching, in order, without repeats.

    When every word is a stop word the query is still searched with all of them,
    so "who am I" is not silently empty.
    """
    all_words = list(dict.fromkeys(words(text)))
    meaningful = [w for w in all_words if w not in STOP_WORDS]
    return meaningful or all_words


def normalized_text(text: str) -> str:
    """The form two memories share when they state the same fact in the same words."""
    return " ".join(words(text))


def content_words(text: str) -> frozenset[str]:
    """Words that carry meaning, plural "s" folded, for comparing two memories."""
    return frozenset(
        w.removesuffix("s") if len(w) > 3 else w for w in words(text) if w not in STOP_WORDS
    )
