"""Publication dates as records bring them → ISO (YYYY-MM-DD, YYYY-MM or YYYY), or None.

The date picks the exchange rate and orders a deal's timeline, so a date that cannot be read is left
empty rather than guessed: "вчера" (yesterday) means nothing in an archive read years later.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

_ISO = re.compile(r"(?P<year>(?:19|20)\d\d)(?:-(?P<month>0[1-9]|1[0-2])(?:-(?P<day>0[1-9]|[12]\d|3[01]))?)?")
# dateparser's parsers for dates written out in full; "relative-time" ("вчера", "2 days ago") is left out.
_ABSOLUTE_PARSERS = ["timestamp", "custom-formats", "absolute-time"]


def normalize_date(value: object) -> str | None:
    """``value`` as an ISO date, as precise as it is, or None when it is no date.

    >>> normalize_date("2024-05"), normalize_date("01.05.2024"), normalize_date("2024-05-01T10:00:00Z")
    ('2024-05', '2024-05-01', '2024-05-01')
    >>> normalize_date("1 мая 2024 года"), normalize_date("вчера"), normalize_date("2024-02-30")
    ('2024-05-01', None, None)
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime | dt.date):
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
    return _normalized(str(value).strip())


@lru_cache(maxsize=1 << 14)  # every record read back validates its date again; an archive has few distinct ones
def _normalized(text: str) -> str | None:
    if match := _ISO.fullmatch(text):
        return text if _exists(match) else None
    # Imported here: dateparser takes half a second to load, and most records carry ISO dates.
    import dateparser

    parsed = dateparser.parse(
        text,
        languages=["ru", "kk", "en"],
        settings={
            "PARSERS": _ABSOLUTE_PARSERS,
            "REQUIRE_PARTS": ["year"],
            "DATE_ORDER": "DMY",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    return parsed.date().isoformat() if parsed is not None and 1900 <= parsed.year <= 2099 else None


def _exists(match: re.Match[str]) -> bool:
    """2024-02-30 has the form of a date but is none."""
    if not match["day"]:
        return True
    try:
        dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return False
    return True
