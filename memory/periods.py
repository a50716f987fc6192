"""The days, months and years a question names ("on 13 October, 2023", "in July",
"in 2022"), so hybrid search can match them against when memories were written.

English only, as the other question rules of `memory.ranking`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from memory.text import query_terms

_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH = "(" + "|".join(_MONTHS) + ")"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(\d{4})"
_DAY_MONTH_YEAR = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE)
_MONTH_YEAR = re.compile(rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}\b", re.IGNORECASE)
_MONTH_ALONE = re.compile(r"\b(" + "|".join(m.title() for m in _MONTHS if m != "may") + r")\b")
"""Capitalised, as English writes a month; not "May", as often a verb."""
_YEAR_ALONE = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


@dataclass(frozen=True)
class Period:
    """A day, a month or a year (a month of any year when `year` is None)."""

    year: int | None
    month: int | None
    day: int | None
    terms: tuple[str, ...]
    """The query's index terms that name it ("octob", "13", "2023")."""

    def holds(self, moment: datetime) -> bool:
        return (
            (self.year is None or moment.year == self.year)
            and (self.month is None or moment.month == self.month)
            and (self.day is None or moment.day == self.day)
        )


def named_periods(query: str) -> list[Period]:
    """The periods `query` names, the most precise reading of each span of it first.

    A day needs its month and year ("October 13, 2023", "13th of October 2023"), a
    month may stand alone ("in July"), a year is four digits from 1800 to 2099.
    """
    found: list[Period] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], year: int | None, month: int | None, day: int | None) -> None:
        start, end = match.span()
        if any(start < b and a < end for a, b in taken):
            return
        taken.append((start, end))
        found.append(Period(year, month, day, tuple(query_terms(match.group(0)))))

    for match in _DAY_MONTH_YEAR.finditer(query):
        day, month, year = match.groups()
        if 1 <= int(day) <= 31:
            add(match, int(year), _MONTHS.index(month.lower()) + 1, int(day))
    for match in _MONTH_DAY_YEAR.finditer(query):
        month, day, year = match.groups()
        if 1 <= int(day) <= 31:
            add(match, int(year), _MONTHS.index(month.lower()) + 1, int(day))
    for match in _MONTH_YEAR.finditer(query):
        month, year = match.groups()
        add(match, int(year), _MONTHS.index(month.lower()) + 1, None)
    for match in _MONTH_ALONE.finditer(query):
        if match.start() > 0:  # a capital that starts the question says nothing
            add(match, None, _MONTHS.index(match.group(1).lower()) + 1, None)
    for match in _YEAR_ALONE.finditer(query):
        add(match, int(match.group(1)), None, None)
    return found
