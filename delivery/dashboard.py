"""The council dashboard: every partnership's money from allocation to spend, what is late, what is
not reporting, how many took part, and the estimated cost-benefit. Each table is a list of rows
with the same columns on the page and in its CSV download."""

import json
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from consult.engagement import engagement_counts
from delivery import repository, service
from governance import repository as governance_repo
from governance.models import as_utc
from proposals import repository as proposals_repo
from voting import certification, reconciliation
from voting import repository as voting_repo

# Ballots by how they reached the box; "paper" is counted once paper ballots are entered.
CHANNELS = (("kiosk", "Ballots at a kiosk"), ("phone", "Ballots on own phone"), ("online", "Ballots online"),
            ("paper", "Ballots on paper"))


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    money_columns: tuple[int, ...] = ()   # shown as pounds on the page; plain numbers in the CSV
    rows: list[list] = field(default_factory=list)


def _ratio(savings: int, cost: int) -> str:
    return f"£{savings / cost:.2f} a year per £1 (estimate)" if cost else "no cost recorded"


def build(session: Session, *, partnership_id: int | None, year: int | None, today: date) -> dict:
    partnerships = governance_repo.list_partnerships(session)
    names = {p.id: p.name for p in partnerships}
    money = Table("money", "Allocated, committed and spent",
                  ["Partnership", "Round", "Budget", "Allocated by the vote", "Committed in grants", "Spent"],
                  (2, 3, 4, 5))
    late = Table("late", "Late milestones", ["Partnership", "Project", "Milestone", "Planned", "Days late"])
    silent = Table("not-reporting", "Grants needing attention",
                   ["Partnership", "Project", "Grant", "Spent", "Last report", "Flag"], (2, 3))
    engagement = Table("engagement", "Engagement", [
        "Partnership", "Round", "Year", "Proposals", "People who commented", "People who answered the priority poll",
        "People who proposed", "Residents at meetings", *(label for _, label in CHANNELS), "Ballots (turnout)",
        "Passes and paper sheets issued", "Ballots per pass or sheet issued", "Certified"])
    benefit = Table("cost-benefit", "Estimated cost-benefit (estimates)",
                    ["Partnership", "Project", "Grant", "Estimated savings a year", "Ratio"], (2, 3))
    years: set[int] = set()
    chart = []
    per_partnership: dict[int, list[int]] = {}
    money_rounds: list[int] = []
    for voting_round in governance_repo.list_rounds(session):
        result = voting_repo.result_of(session, voting_round.id)
        if result is None:
            continue
        round_year = as_utc(result.published_at).year
        years.add(round_year)
        if (partnership_id and voting_round.partnership_id != partnership_id) or (year and round_year != year):
            continue
        partnership = names.get(voting_round.partnership_id, "")
        money_rounds.append(voting_round.id)
        outcome = json.loads(result.outcome)
        grants = repository.grants_of_round(session, voting_round.id)
        summaries = [service.summarise(session, g, today) for g in grants]
        committed = sum(g.amount for g in grants)
        spent = sum(s.spent for s in summaries)
        money.rows.append([partnership, voting_round.title, voting_round.budget, outcome["total_cost"], committed,
                           spent])
        chart.append({"label": voting_round.title_under(partnership), "budget": voting_round.budget,
                      "allocated": outcome["total_cost"], "committed": committed, "spent": spent})
        for s in summaries:
            for m in s.late_milestones:
                late.rows.append([partnership, s.grant.title, m.title, m.planned_on.isoformat(),
                                  (today - m.planned_on).days])
            for flag in s.flags:
                silent.rows.append([partnership, s.grant.title, s.grant.amount, s.spent, s.last_report.isoformat(),
                                    flag])
            if s.savings_per_year:
                benefit.rows.append([partnership, s.grant.title, s.grant.amount, s.savings_per_year,
                                     _ratio(s.savings_per_year, s.grant.amount)])
                totals = per_partnership.setdefault(voting_round.partnership_id, [0, 0])
                totals[0] += s.grant.amount
                totals[1] += s.savings_per_year
    for pid, (cost, savings) in per_partnership.items():
        benefit.rows.append([names.get(pid, ""), "All projects with an estimate", cost, savings, _ratio(savings, cost)])
    people_chart = _engagement(session, engagement, names, partnership_id=partnership_id, year=year, years=years)
    most = max((max(c["budget"], c["allocated"], c["committed"], c["spent"]) for c in chart), default=0) or 1
    for c in chart:
        for key in ("allocated", "committed", "spent"):
            c[f"{key}_width"] = round(480 * c[key] / most)  # room for the amount after the bar
    totals = {"allocated": sum(r[3] for r in money.rows), "committed": sum(r[4] for r in money.rows),
              "spent": sum(r[5] for r in money.rows)}
    return {"tables": [money, late, silent, engagement, benefit], "chart": chart, "totals": totals,
            "people_chart": people_chart,
            "projects": [g for r in money_rounds for g in repository.grants_of_round(session, r)],
            "partnerships": partnerships, "years": sorted(years, reverse=True),
            "cost_benefit": {names.get(pid, ""): (cost, savings) for pid, (cost, savings) in per_partnership.items()}}


def _engagement(session: Session, table: Table, names: dict[int, str], *, partnership_id: int | None,
                year: int | None, years: set[int]) -> list[dict]:
    """How many took part in each round, from consultation to the vote: counts only, no one named.
    Every round is here, voted on or not; its year is the one its results were published in, or,
    before that, the one it was created in."""
    chart = []
    for voting_round in governance_repo.list_rounds(session):
        result = voting_repo.result_of(session, voting_round.id)
        round_year = as_utc(result.published_at if result else voting_round.created_at).year
        years.add(round_year)
        if (partnership_id and voting_round.partnership_id != partnership_id) or (year and round_year != year):
            continue
        counts = engagement_counts(session, voting_round.id)
        proposals = len(proposals_repo.public_for_round(session, voting_round.id))
        by_channel = voting_repo.channel_counts(session, voting_round.id)
        ballots = counts["voted"]
        # Passes issued as the chair signed them off on the event's public reconciliation sheet.
        signed = reconciliation.signed_sheet(session, voting_round.id)
        # A paper sheet handed out invites a ballot as a pass does: without it, paper turnout reads over 100%.
        figures = reconciliation.figures_of(signed) if signed else {}
        issued = figures.get("passes_issued_total")
        if issued is not None:
            issued += (figures.get("paper") or {}).get("handed_out", 0)
        partnership = names.get(voting_round.partnership_id, "")
        table.rows.append([partnership, voting_round.title, round_year, proposals, counts["commented"],
                           counts["ranked"], counts["proposed"], counts["attended"],
                           *(by_channel.get(channel, 0) for channel, _ in CHANNELS), ballots,
                           "" if issued is None else issued,
                           f"{100 * ballots / issued:.0f}%" if issued else "not signed off yet",
                           "yes" if certification.is_certified(session, voting_round.id) else "no"])
        chart.append({"label": voting_round.title_under(partnership), "commented": counts["commented"],
                      "ranked": counts["ranked"], "proposals": proposals, "ballots": ballots})
    most = max((max(c["commented"], c["ranked"], c["proposals"], c["ballots"]) for c in chart), default=0) or 1
    for c in chart:
        for key in ("commented", "ranked", "proposals", "ballots"):
            c[f"{key}_width"] = round(480 * c[key] / most)
    return chart
