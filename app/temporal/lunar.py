"""The Islamic (Hijri) and Hebrew calendars: the Gregorian days of their feasts.

News about Gaza, Lebanon and Israel dates events by Ramadan, Eid al-Fitr, Passover or Yom
Kippur. Each function here answers one question, "which Gregorian day(s) is this feast in this
year of its own calendar", and returns None where the answer is not known; resolve.py lists the
occurrences around a reference day (`_hijri_candidates`, `_hebrew_candidates`).

Islamic dates follow the Umm al-Qura calendar of Saudi Arabia (the `hijridate` package, which
covers 1343-1500 AH = 1 August 1924 - 16 November 2077). Other countries start a month when
the new crescent is sighted there, so a feast may fall a day later (or earlier): the rules that
name these feasts keep their confidence at 0.8 or below. Outside that range there is no date.

Hebrew dates are computed here, by the fixed arithmetic of the Hebrew calendar (the molad, the
four postponements of 1 Tishrei, 19-year cycle), rather than taken from `convertdate`: the
arithmetic is exact and short (as for `easter_sunday`), and convertdate would bring a second
package (pymeeus) for astronomy the engine never needs. A Hebrew day runs from sundown to
sundown; the Gregorian date given is the daytime one, which is what calendars print (15 Nisan
5785, the first day of Passover, is 13 April 2025, from the evening of 12 April).

Months of the Hebrew year are numbered from Nisan, as in the Torah and in Calendrical
Calculations (Dershowitz & Reingold): 1 Nisan, 2 Iyar, 3 Sivan, 4 Tammuz, 5 Av, 6 Elul,
7 Tishrei, 8 Heshvan, 9 Kislev, 10 Tevet, 11 Shevat, 12 Adar (Adar I in a leap year),
13 Adar II; the year number changes on 1 Tishrei.
"""

from __future__ import annotations

from datetime import date, timedelta

from hijridate import Hijri

from app.temporal.calendar import Period

# The Umm al-Qura years hijridate knows.
HIJRI_MIN_YEAR, HIJRI_MAX_YEAR = 1343, 1500
# R.D. (Python's proleptic Gregorian ordinal) of the day before 1 Tishrei AM 1 (the Julian
# 7 October 3761 BCE, the calendar's epoch as Calendrical Calculations counts it).
_HEBREW_EPOCH = -1373427
NISAN, IYAR, TISHREI, ADAR, ADAR_II = 1, 2, 7, 12, 13
# Parts (1/1080 hour) in a day, and the molad's mean month: 29 days 12 hours 793 parts.
_PARTS_PER_DAY = 25920
_MONTH_PARTS = 13753  # the mean month less its 29 whole days, in parts


# ---- Islamic ------------------------------------------------------------------------------


def hijri_day(year: int, month: int, day: int) -> date | None:
    """The Gregorian day of a Hijri date (Umm al-Qura), None outside 1343-1500 AH."""
    if not HIJRI_MIN_YEAR <= year <= HIJRI_MAX_YEAR:
        return None
    try:
        day_of = Hijri(year, month, day).to_gregorian()
    except (ValueError, OverflowError):  # a 30th in a month of 29 days
        return None
    return date(day_of.year, day_of.month, day_of.day)  # a plain date, not hijridate's own


def hijri_month(year: int, month: int) -> tuple[date, date] | None:
    """The first and last Gregorian day of a Hijri month ("Ramadan 1446": 1-29 March 2025)."""
    first = hijri_day(year, month, 1)
    if first is None:
        return None
    length = Hijri(year, month, 1).month_length()
    return first, first + timedelta(days=length - 1)


def hijri_year_near(year: int) -> int:
    """The Hijri year that begins in (or within a year of) the Gregorian `year`: a Hijri year
    is about 354 days, 32 of them to 33 Gregorian years."""
    return round((year - 622) * 1.030684) + 1


# ---- Hebrew -------------------------------------------------------------------------------


def hebrew_leap_year(year: int) -> bool:
    """Years 3, 6, 8, 11, 14, 17 and 19 of the 19-year cycle have a 13th month (Adar II)."""
    return (7 * year + 1) % 19 < 7


def _elapsed_days(year: int) -> int:
    """Days from the epoch to the molad of Tishrei of `year`, with the postponement that keeps
    1 Tishrei off Sunday, Wednesday and Friday (lo ADU Rosh)."""
    months = (235 * year - 234) // 19
    parts = 12084 + _MONTH_PARTS * months
    days = 29 * months + parts // _PARTS_PER_DAY
    return days + 1 if (3 * (days + 1)) % 7 < 3 else days


def _year_length_correction(year: int) -> int:
    """The two remaining postponements: no year of 356 days, no common year of 382."""
    before, this, after = _elapsed_days(year - 1), _elapsed_days(year), _elapsed_days(year + 1)
    if after - this == 356:
        return 2
    if this - before == 382:
        return 1
    return 0


def _new_year(year: int) -> int:
    """R.D. of 1 Tishrei of `year`."""
    return _HEBREW_EPOCH + _elapsed_days(year) + _year_length_correction(year)


def _days_in_month(year: int, month: int) -> int:
    if month in (IYAR, 4, 6, 10, ADAR_II):
        return 29
    if month == ADAR and not hebrew_leap_year(year):
        return 29
    year_length = _new_year(year + 1) - _new_year(year)
    if month == 8 and year_length % 10 != 5:  # Heshvan is long only in a "complete" year
        return 29
    if month == 9 and year_length % 10 == 3:  # Kislev is short in a "deficient" year
        return 29
    return 30


def hebrew_day(year: int, month: int, day: int) -> date | None:
    """The Gregorian (daytime) day of a Hebrew date; None off the Gregorian calendar's range.

    `month` ADAR_II in a common year is read as Adar (the Adar in which Purim falls)."""
    if month == ADAR_II and not hebrew_leap_year(year):
        month = ADAR
    last_month = ADAR_II if hebrew_leap_year(year) else ADAR
    ordinal = _new_year(year) + day - 1
    if month < TISHREI:  # Nisan..Elul come after the year's Tishrei..Adar
        ordinal += sum(_days_in_month(year, m) for m in range(TISHREI, last_month + 1))
        ordinal += sum(_days_in_month(year, m) for m in range(NISAN, month))
    else:
        ordinal += sum(_days_in_month(year, m) for m in range(TISHREI, month))
    try:
        return date.fromordinal(ordinal)
    except (ValueError, OverflowError):
        return None


def israeli_independence_day(year: int) -> date | None:
    """Yom Ha'atzmaut of the Hebrew `year`: 5 Iyar, moved as the Knesset's law moves it.

    5 Iyar falls on a Monday, Wednesday, Friday or Saturday. On a Friday or a Saturday the day
    is brought forward to the Thursday (no ceremony on the Sabbath); on a Monday it is put off
    to the Tuesday (since 2004: so that Memorial Day, the day before, does not begin on the
    evening after the Sabbath). 2023: 26 April; 2024: 14 May; 2025: 1 May.
    """
    day = hebrew_day(year, IYAR, 5)
    if day is None:
        return None
    shift = {4: -1, 5: -2}.get(day.weekday(), 0)  # Friday, Saturday -> Thursday
    if day.weekday() == 0 and year >= 5764:  # Monday -> Tuesday (from 2004)
        shift = 1
    return day + timedelta(days=shift)


def israeli_memorial_day(year: int) -> date | None:
    """Yom HaZikaron of the Hebrew `year`: always the day before Independence Day."""
    independence = israeli_independence_day(year)
    return None if independence is None else independence - timedelta(days=1)


def yom_hashoah(year: int) -> date | None:
    """Holocaust Remembrance Day of the Hebrew `year`: 27 Nisan, brought forward to Thursday
    from a Friday, put off to Monday from a Sunday (it never falls on a Saturday)."""
    day = hebrew_day(year, NISAN, 27)
    if day is None:
        return None
    return day + timedelta(days={4: -1, 6: 1}.get(day.weekday(), 0))


# ---- both ---------------------------------------------------------------------------------


def feast_period(first: date, last: date) -> Period:
    """A feast as a calendar period: one day is that day; several days keep their real first
    and last day (granularity "range") and are named by the smallest TIMEX3 period holding
    them all, the month when they lie in one month, else the year of their first day (Hanukkah
    that runs into January is named by the year it begins in)."""
    if first == last:
        return Period(first.isoformat(), first, last, "day")
    if (first.year, first.month) == (last.year, last.month):
        return Period(f"{first.year:04d}-{first.month:02d}", first, last, "range")
    return Period(f"{first.year:04d}", first, last, "range")
