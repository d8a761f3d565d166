"""The Islamic (Umm al-Qura) and Hebrew calendars: the Gregorian days of their feasts."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.temporal import resolve
from app.temporal.lunar import (
    ADAR_II,
    NISAN,
    TISHREI,
    feast_period,
    hebrew_day,
    hebrew_leap_year,
    hijri_day,
    hijri_month,
    israeli_independence_day,
    israeli_memorial_day,
    yom_hashoah,
)

RAMADAN, SHAWWAL, DHU_AL_HIJJAH = 9, 10, 12
KISLEV = 9


@pytest.mark.parametrize(
    ("hijri_year", "first", "last"),
    [
        (1445, date(2024, 3, 11), date(2024, 4, 9)),
        (1446, date(2025, 3, 1), date(2025, 3, 29)),
        (1447, date(2026, 2, 18), date(2026, 3, 19)),
    ],
)
def test_ramadan(hijri_year: int, first: date, last: date) -> None:
    assert hijri_month(hijri_year, RAMADAN) == (first, last)


def test_eids() -> None:
    assert hijri_day(1445, SHAWWAL, 1) == date(2024, 4, 10)
    assert hijri_day(1446, SHAWWAL, 1) == date(2025, 3, 30)
    assert hijri_day(1445, DHU_AL_HIJJAH, 10) == date(2024, 6, 16)
    assert hijri_day(1446, DHU_AL_HIJJAH, 10) == date(2025, 6, 6)
    assert type(hijri_day(1446, SHAWWAL, 1)) is date  # not hijridate's own date class


def test_hijri_outside_the_umm_al_qura_tables_is_unknown() -> None:
    assert hijri_day(1342, RAMADAN, 1) is None
    assert hijri_day(1501, RAMADAN, 1) is None
    assert hijri_month(1501, RAMADAN) is None
    assert hijri_day(1446, RAMADAN, 30) is None  # Ramadan 1446 had 29 days


@pytest.mark.parametrize(
    ("gregorian_year", "passover", "rosh_hashanah", "yom_kippur", "hanukkah"),
    [
        (2023, date(2023, 4, 6), date(2023, 9, 16), date(2023, 9, 25), date(2023, 12, 8)),
        (2024, date(2024, 4, 23), date(2024, 10, 3), date(2024, 10, 12), date(2024, 12, 26)),
        (2025, date(2025, 4, 13), date(2025, 9, 23), date(2025, 10, 2), date(2025, 12, 15)),
        (2026, date(2026, 4, 2), date(2026, 9, 12), date(2026, 9, 21), date(2026, 12, 5)),
    ],
)
def test_hebrew_feasts(
    gregorian_year: int, passover: date, rosh_hashanah: date, yom_kippur: date, hanukkah: date
) -> None:
    # Nisan..Elul of Hebrew year g + 3760 fall in Gregorian year g; its Tishrei begins the next.
    hebrew_year = gregorian_year + 3760
    assert hebrew_day(hebrew_year, NISAN, 15) == passover
    assert hebrew_day(hebrew_year + 1, TISHREI, 1) == rosh_hashanah
    assert hebrew_day(hebrew_year + 1, TISHREI, 10) == yom_kippur
    assert hebrew_day(hebrew_year + 1, KISLEV, 25) == hanukkah


def test_purim_is_in_adar_ii_of_a_leap_year() -> None:
    assert hebrew_leap_year(5784) and not hebrew_leap_year(5785)
    assert hebrew_day(5784, ADAR_II, 14) == date(2024, 3, 24)
    assert hebrew_day(5785, ADAR_II, 14) == date(2025, 3, 14)  # plain Adar in a common year


def test_hebrew_year_lengths_are_valid_over_three_centuries() -> None:
    lengths = {
        (hebrew_day(year + 1, TISHREI, 1) - hebrew_day(year, TISHREI, 1)).days
        for year in range(5660, 5960)
    }
    assert lengths == {353, 354, 355, 383, 384, 385}
    # 1 Tishrei never falls on a Sunday, Wednesday or Friday.
    weekdays = {hebrew_day(year, TISHREI, 1).weekday() for year in range(5660, 5960)}
    assert weekdays.isdisjoint({6, 2, 4})
    # 15 Nisan never falls on a Monday, Wednesday or Friday.
    weekdays = {hebrew_day(year, NISAN, 15).weekday() for year in range(5660, 5960)}
    assert weekdays.isdisjoint({0, 2, 4})


@pytest.mark.parametrize(
    ("hebrew_year", "memorial", "independence"),
    [
        (5783, date(2023, 4, 25), date(2023, 4, 26)),  # 5 Iyar on a Wednesday: kept
        (5784, date(2024, 5, 13), date(2024, 5, 14)),  # on a Monday: put off to Tuesday
        (5785, date(2025, 4, 30), date(2025, 5, 1)),  # on a Saturday: brought to Thursday
        (5786, date(2026, 4, 21), date(2026, 4, 22)),
    ],
)
def test_israeli_memorial_and_independence_days(
    hebrew_year: int, memorial: date, independence: date
) -> None:
    assert israeli_memorial_day(hebrew_year) == memorial
    assert israeli_independence_day(hebrew_year) == independence


def test_yom_hashoah() -> None:
    assert yom_hashoah(5783) == date(2023, 4, 18)
    assert yom_hashoah(5784) == date(2024, 5, 6)  # 27 Nisan on a Sunday: put off to Monday
    assert yom_hashoah(5785) == date(2025, 4, 24)


def test_feast_period_names() -> None:
    assert feast_period(date(2025, 3, 1), date(2025, 3, 29)).value == "2025-03"
    assert feast_period(date(2024, 3, 11), date(2024, 4, 9)).value == "2024"
    assert feast_period(date(2024, 12, 26), date(2025, 1, 2)).value == "2024"
    single = feast_period(date(2025, 6, 6), date(2025, 6, 6))
    assert (single.value, single.granularity) == ("2025-06-06", "day")


def _found(text: str, reference: str) -> list[tuple[str, str, date | None, date | None]]:
    return [
        (e.text, e.value, e.date_start, e.date_end)
        for e in resolve(text, datetime.fromisoformat(reference), "UTC")
    ]


def test_outside_the_calendars_range_gives_no_date() -> None:
    # Umm al-Qura ends in 1500 AH (2077); before 1343 AH (1924) there is no table either.
    assert _found("Ramadan 2080 and Ramadan 1900.", "2025-03-12T12:00:00+00:00") == [
        ("Ramadan 2080", "XXXX-XX", None, None),
        ("Ramadan 1900", "XXXX-XX", None, None),
    ]
    assert _found("Eid al-Fitr was quiet.", "2150-01-01T12:00:00+00:00") == [
        ("Eid al-Fitr", "XXXX-XX-XX", None, None)
    ]
    # The Hebrew calendar is arithmetic: any year has its Passover (15-21 Nisan).
    [(text, value, first, last)] = _found("Passover was quiet.", "2150-05-01T12:00:00+00:00")
    assert (text, value[:4], (last - first).days) == ("Passover", "2150", 6)
    assert date(2150, 3, 26) <= first <= date(2150, 4, 25)


def test_a_month_long_feast_narrows_under_a_modifier() -> None:
    # "late Ramadan": the last third of 1-29 March 2025; the value still names the month.
    assert _found("Talks stalled in late Ramadan.", "2025-04-10T12:00:00+00:00") == [
        ("late Ramadan", "2025-03", date(2025, 3, 20), date(2025, 3, 29))
    ]
