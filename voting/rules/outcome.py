"""What a count returns: the winners in order and, per project, the facts behind the explanation."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from voting.rules.election import Number


@dataclass
class ProjectFacts:
    """One project's line in the results table."""

    project: str
    cost: Number
    support: Number  # votes (approval ballots) or points (scores, cumulative, ranking)
    voters: int  # how many voters supported it at all
    selected: bool = False
    position: int | None = None  # 1-based place in the selection order
    reason: str | None = None  # plain-English reason it was not funded


@dataclass
class Outcome:
    rule: str
    selected: list[str]
    total_cost: Number
    budget: Number
    projects: dict[str, ProjectFacts] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # how the count went, in plain English

    @property
    def leftover(self) -> Number:
        return normalise(self.budget - self.total_cost)


def normalise(x: Number) -> Number:
    if isinstance(x, Fraction) and x.denominator == 1:
        return int(x)
    return x


def money(amount: Number, currency: str = "") -> str:
    """Format an amount for people: thousands separators, pence only when there are any."""
    amount = Fraction(amount)
    negative = amount < 0
    amount = abs(amount)
    pence = round(amount * 100)
    whole, cents = divmod(pence, 100)
    text = f"{whole:,}" if cents == 0 and amount.denominator == 1 else f"{whole:,}.{cents:02d}"
    if currency:
        text = f"{currency}{text}" if len(currency) == 1 else f"{text} {currency}"
    return f"-{text}" if negative else text


def too_expensive(cost: Number, budget: Number, currency: str = "") -> str:
    return f"it costs {money(cost, currency)}, more than the whole budget of {money(budget, currency)}"
