"""Days, months and years named in a question, and memories written in them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from memory.periods import Period, named_periods


def spans(query: str) -> list[tuple[int | None, int | None, int | None]]:
    return [(p.year, p.month, p.day) for p in named_periods(query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("What did she show on October 13, 2023?", [(2023, 10, 13)]),
        ("What did he find on 1 February, 2023?", [(2023, 2, 1)]),
        ("What happened on the 3rd of May 2024?", [(2024, 5, 3)]),
        ("Which class did she start in December 2023?", [(2023, 12, None)]),
        ("When did she go camping in July?", [(None, 7, None)]),
        ("How often did he swim in 2022?", [(2022, None, None)]),
        ("Between March 2021 and 2022?", [(2021, 3, None), (2022, None, None)]),
        ("What may she bring?", []),
        ("March on: what did they plan?", []),
        ("What is 4000 times 2?", []),
    ],
)
def test_the_periods_a_question_names(
    query: str, expected: list[tuple[int | None, int | None, int | None]]
) -> None:
    assert spans(query) == expected


def test_a_period_keeps_the_terms_that_name_it_and_holds_its_days() -> None:
    (day,) = named_periods("What did she paint on October 13, 2023?")
    assert day.terms == ("octob", "13", "2023")
    assert day.holds(datetime(2023, 10, 13, 22, 0, tzinfo=UTC))
    assert not day.holds(datetime(2023, 10, 14, tzinfo=UTC))
    july = Period(None, 7, None, ("juli",))
    assert july.holds(datetime(2019, 7, 1))
    assert not july.holds(datetime(2019, 8, 1))
