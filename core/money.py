"""Amounts as people read them. Budgets and costs are whole units of their currency."""

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def currency_symbol(currency: str) -> str:
    return SYMBOLS.get(currency, "")


def money(amount: int | float, currency: str = "GBP") -> str:
    symbol = currency_symbol(currency)
    text = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"
