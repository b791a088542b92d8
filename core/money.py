"""Amounts as people read them. Budgets, costs and grants are whole units of their currency;
spend against a grant is kept in pence, as it is on a receipt."""

from decimal import Decimal

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def currency_symbol(currency: str) -> str:
    return SYMBOLS.get(currency, "")


def money(amount: int | float, currency: str = "GBP") -> str:
    symbol = currency_symbol(currency)
    text = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def pounds(pence: int) -> int | Decimal:
    """Pence as pounds: a whole number when there are no pence (so £1,500 stays 1500 in every table
    and file), else an exact two-place decimal (12.50), never a float."""
    whole, rest = divmod(pence, 100)
    return whole if rest == 0 else Decimal(pence).scaleb(-2)


def json_number(amount: int | Decimal) -> int | float:
    """For JSON, which has no decimals: pence are exact in a float's 15 significant digits."""
    return amount if isinstance(amount, int) else float(amount)
