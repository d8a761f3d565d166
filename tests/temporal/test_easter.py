"""Easter Sunday, Western and Orthodox: the day every feast counted from Easter hangs on."""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.easter import EASTER_ORTHODOX, EASTER_WESTERN, easter

from app.temporal.calendar import easter_sunday


@pytest.mark.parametrize(
    ("year", "western", "orthodox"),
    [
        (2000, date(2000, 4, 23), date(2000, 4, 30)),
        (2023, date(2023, 4, 9), date(2023, 4, 16)),
        (2024, date(2024, 3, 31), date(2024, 5, 5)),
        (2025, date(2025, 4, 20), date(2025, 4, 20)),  # the Easter truce
    ],
)
def test_published_dates(year: int, western: date, orthodox: date) -> None:
    assert easter_sunday(year) == western
    assert easter_sunday(year, orthodox=True) == orthodox


def test_agrees_with_dateutil_over_four_centuries() -> None:
    # dateutil comes with dateparser; the engine keeps its own computus so as not to need it.
    for year in range(1900, 2300):
        assert easter_sunday(year) == easter(year, EASTER_WESTERN), year
        assert easter_sunday(year, orthodox=True) == easter(year, EASTER_ORTHODOX), year
