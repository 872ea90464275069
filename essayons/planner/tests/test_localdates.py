from datetime import date

import pytest
from dateutil.easter import easter

from essayons.planner.localdates import (
    dates_between,
    dates_to_announce,
    local_dates,
    mothers_day,
    summer_sales_mainland,
    winter_sales_mainland,
)

PARIS, MARTINIQUE, GUADELOUPE, GUYANE, REUNION = (
    "Europe/Paris",
    "America/Martinique",
    "America/Guadeloupe",
    "America/Cayenne",
    "Indian/Reunion",
)


def days(year, timezone):
    return {item.key: item.day for item in local_dates(year=year, timezone=timezone)}


@pytest.mark.parametrize(
    ("year", "easter_day"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2028, date(2028, 4, 16)),
        (2029, date(2029, 4, 1)),
    ],
)
def test_easter_and_the_days_counted_from_it(year, easter_day):
    found = days(year, MARTINIQUE)
    assert found["easter"] == easter_day
    assert found["easter_monday"] == date.fromordinal(easter_day.toordinal() + 1)
    assert found["ascension"] == date.fromordinal(easter_day.toordinal() + 39)
    assert found["whit_monday"] == date.fromordinal(easter_day.toordinal() + 50)


def test_carnival_days_are_known_dates():
    found = days(2027, MARTINIQUE)
    assert found["dimanche_gras"] == date(2027, 2, 7)
    assert found["lundi_gras"] == date(2027, 2, 8)
    assert found["mardi_gras"] == date(2027, 2, 9)
    assert found["ash_wednesday"] == date(2027, 2, 10)
    assert days(2026, GUADELOUPE)["mardi_gras"] == date(2026, 2, 17)
    assert days(2025, GUYANE)["ash_wednesday"] == date(2025, 3, 5)


@pytest.mark.parametrize("year", range(2020, 2041))
def test_abolition_of_slavery_is_on_each_territorys_day_every_year(year):
    assert days(year, MARTINIQUE)["abolition"] == date(year, 5, 22)
    assert days(year, GUADELOUPE)["abolition"] == date(year, 5, 27)
    assert days(year, GUYANE)["abolition"] == date(year, 6, 10)
    assert days(year, REUNION)["abolition"] == date(year, 12, 20)
    assert "abolition" not in days(year, PARIS)


@pytest.mark.parametrize("year", [1990, 2026, 2100, 2400])
def test_any_year_has_the_french_public_holidays(year):
    found = days(year, PARIS)
    for key, day in {
        "new_year": date(year, 1, 1),
        "labour_day": date(year, 5, 1),
        "victory_day": date(year, 5, 8),
        "bastille_day": date(year, 7, 14),
        "assumption": date(year, 8, 15),
        "all_saints": date(year, 11, 1),
        "armistice": date(year, 11, 11),
        "christmas": date(year, 12, 25),
    }.items():
        assert found[key] == day
    assert found["mardi_gras"] == date.fromordinal(easter(year).toordinal() - 47)


def test_mainland_has_no_carnival_sunday_and_martinique_has_its_own_holidays():
    assert "dimanche_gras" not in days(2027, PARIS)
    assert days(2027, MARTINIQUE)["schoelcher_day"] == date(2027, 7, 21)
    assert "schoelcher_day" not in days(2027, REUNION)
    assert days(2026, MARTINIQUE)["mi_careme"] == date(2026, 3, 12)


def test_mothers_day_moves_when_it_falls_on_pentecost():
    assert mothers_day(2026) == date(2026, 5, 31)
    assert mothers_day(2025) == date(2025, 5, 25)
    assert mothers_day(2023) == date(2023, 6, 4)  # Pentecost was 28 May 2023
    assert mothers_day(2012) == date(2012, 6, 3)  # Pentecost was 27 May 2012


def test_fathers_day_black_friday_and_epiphany():
    found = days(2026, PARIS)
    assert found["fathers_day"] == date(2026, 6, 21)
    assert found["black_friday"] == date(2026, 11, 27)
    assert found["epiphany"] == date(2026, 1, 4)
    assert days(2027, PARIS)["black_friday"] == date(2027, 11, 26)
    assert found["candlemas"] == date(2026, 2, 2)
    assert found["valentines_day"] == date(2026, 2, 14)
    assert found["halloween"] == date(2026, 10, 31)


@pytest.mark.parametrize(
    ("year", "winter", "summer"),
    [
        (2023, date(2023, 1, 11), date(2023, 6, 28)),
        (2024, date(2024, 1, 10), date(2024, 6, 26)),
        (2025, date(2025, 1, 8), date(2025, 6, 25)),
        (2026, date(2026, 1, 7), date(2026, 6, 24)),
    ],
)
def test_mainland_sales_follow_the_code_de_commerce(year, winter, summer):
    assert winter_sales_mainland(year) == winter
    assert summer_sales_mainland(year) == summer


def test_overseas_sales_differ_from_the_mainland():
    assert days(2023, GUADELOUPE)["sales_winter"] == date(2023, 1, 7)
    assert days(2023, GUADELOUPE)["sales_summer"] == date(2023, 9, 30)
    assert days(2024, GUADELOUPE)["sales_summer"] == date(2024, 9, 28)
    assert days(2023, MARTINIQUE)["sales_summer"] == date(2023, 10, 5)
    assert days(2024, MARTINIQUE)["sales_summer"] == date(2024, 10, 3)
    assert days(2023, REUNION)["sales_summer"] == date(2023, 2, 4)
    assert days(2023, REUNION)["sales_winter"] == date(2023, 9, 2)
    assert days(2023, GUYANE)["sales_winter"] == date(2023, 1, 11)


def test_dates_between_crosses_years_and_announcements_come_ahead():
    span = dates_between(start=date(2026, 12, 20), end=date(2027, 1, 10), timezone=PARIS)
    keys = [item.key for item in span]
    assert keys.index("christmas") < keys.index("new_year")
    ahead = dates_to_announce(start=date(2026, 5, 20), end=date(2026, 5, 20), timezone=MARTINIQUE)
    assert "abolition" in {item.key for item in ahead}  # 22 May, announced 7 days before
    assert "mothers_day" in {item.key for item in ahead}  # 31 May, announced 14 days before
    assert "christmas" not in {item.key for item in ahead}
