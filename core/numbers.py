"""Whole numbers typed by people or sent by programs, read strictly.

Python's int() accepts any Unicode decimal digit ("٣" is 3) and str.isdigit() accepts
superscripts that int() then refuses ("²"); neither bounds the size. Every number that comes
in from outside goes through here: ASCII digits only, a bounded length, and a range that fits
the column it is stored in.
"""

from core.errors import InvalidInput
from core.i18n import gettext

# The largest value a 64-bit signed column holds; budgets and costs stay far below it.
MAX_BIG = 2**63 - 1
# Ids are 32-bit integers in both databases.
MAX_ID = 2**31 - 1
# Money is stored in whole pounds: a trillion is far beyond any participatory budget.
MAX_MONEY = 10**12
_ASCII_DIGITS = frozenset("0123456789")


def is_ascii_whole(text: str, *, max_digits: int = 19) -> bool:
    """True for 1 to `max_digits` ASCII digits and nothing else."""
    return 0 < len(text) <= max_digits and set(text) <= _ASCII_DIGITS


def id_or_none(text: str) -> int | None:
    """The id in a reference such as "round:7" when it is ASCII digits that fit an id column, else None."""
    if not is_ascii_whole(text, max_digits=len(str(MAX_ID))):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def parse_whole(text: str, label: str, *, low: int = 0, high: int = MAX_BIG, example: str = "100",
                field: str | None = None) -> int:
    """A whole number between `low` and `high`, or InvalidInput naming the field."""
    cleaned = text.strip()
    if not is_ascii_whole(cleaned, max_digits=len(str(high))):
        if is_ascii_whole(cleaned, max_digits=len(cleaned) or 1):  # digits, just far too many of them
            raise InvalidInput(_between(label, low, high), field=field)
        # In the request's language: these messages reach residents' pages (a recipient's spend form).
        raise InvalidInput(gettext("%(label)s must be a whole number written with the digits 0 to 9 "
                                   "(for example %(example)s).", label=gettext(label), example=example), field=field)
    value = int(cleaned)
    if not low <= value <= high:
        raise InvalidInput(_between(label, low, high), field=field)
    return value


def _between(label: str, low: int, high: int) -> str:
    return gettext("%(label)s must be between %(low)s and %(high)s.", label=gettext(label), low=f"{low:,}",
                   high=f"{high:,}")


def parse_money(text: str, label: str, *, example: str = "1500", field: str | None = None) -> int:
    """An amount in whole pounds as people type it: "£1,500" is 1500."""
    return parse_whole(text.replace(",", "").replace("£", ""), label, low=0, high=MAX_MONEY, example=example,
                       field=field)


def parse_pounds_and_pence(text: str, label: str, *, field: str | None = None) -> int:
    """An amount as it is written on a receipt, "£1,234.50", "12.5" or "40", in pence.

    Grants and budgets are whole pounds; what is spent against them is not."""
    cleaned = text.strip().replace("£", "")
    pounds, point, pence = cleaned.partition(".")
    # A comma only groups thousands ("1,212.50"); "12,50" is pence written the continental way and
    # must not become £1,250.
    groups = pounds.split(",")
    if len(groups) > 1 and not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
        raise InvalidInput(gettext("%(label)s must be in pounds and pence with a point before the pence "
                                   "(for example 12.50); a comma only separates thousands.", label=gettext(label)),
                           field=field)
    pounds = pounds.replace(",", "")
    written = (pounds or point) and (not pounds or is_ascii_whole(pounds, max_digits=len(pounds))) \
        and (not point or is_ascii_whole(pence, max_digits=2))
    if not written:
        raise InvalidInput(gettext("%(label)s must be in pounds and pence written with the digits 0 to 9 "
                                   "(for example 12.50).", label=gettext(label)), field=field)
    if len(pounds) > len(str(MAX_MONEY)) or int(pounds or "0") > MAX_MONEY:
        raise InvalidInput(_between(label, 0, MAX_MONEY), field=field)
    return int(pounds or "0") * 100 + (int(pence.ljust(2, "0")) if point else 0)


def parse_id(value: object, label: str = "id") -> int:
    """A row id from a form or a JSON body: an int, or a string of ASCII digits, within 1..MAX_ID."""
    if isinstance(value, bool):
        raise InvalidInput(f"{label} must be a whole number.")
    if isinstance(value, int):
        if not 1 <= value <= MAX_ID:
            raise InvalidInput(f"{label} {value if abs(value) < 10**12 else '(too long)'} does not exist.")
        return value
    if isinstance(value, str):
        return parse_whole(value, label, low=1, high=MAX_ID, example="12")
    raise InvalidInput(f"{label} must be a whole number.")


def in_range(value: object, low: int, high: int) -> bool:
    """For JSON values: a real int (not a bool, not a float) between low and high."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
