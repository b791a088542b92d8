"""The demo after the vote: last year's round reconciled and certified (the chair, then the officer confirming) and
delivered, with grants, spend, milestones, outputs and outcome estimates.

Figures follow the seed where it gives them: Baby Yoga £1,500, Healthy Lunch Club £1,000, Action
Station £50,000 (Table A2), 88 residents at healthy eating sessions over 11 sessions; the
resident-led services of Table A3 cost £25,703 and saved an estimated £238,132 a year, and that
ratio (an estimate, labelled as one) is what each resident-led service's estimate applies. Green
Gym (£16,000) was not funded by the demo's simulated vote, so it has no grant. Dates are relative
to the day the demo is seeded, so the flags (late, not reporting, underspent) tell the same story
whenever it is run."""

import json
from datetime import date, timedelta

from sqlmodel import Session, select

from delivery import service
from delivery.service import GrantForm
from governance import repository as governance_repo
from governance.models import Membership, Role, StaffAccount
from governance.permissions import actor_for
from proposals import repository as proposals_repo
from voting import certification, reconciliation
from voting import repository as voting_repo

A3_COST, A3_SAVINGS = 25_703, 238_132
A3_SOURCE = "Seed Table A3: resident-led services cost £25,703 and saved an estimated £238,132 a year"
A3_METHOD = ("Table A3's ratio of estimated savings to statutory services to cost (about £9.26 a year for each "
             "£1) applied to this grant's amount. An estimate, not a measurement.")

# title: (recipient identifier, resident-led, days since award, planned months, spend [(days ago, amount, what)],
#         milestones [(title, planned days from award, done days from award or None)], outputs)
DELIVERY = {
    "Baby Yoga": ("GB-CHC-1123456", True, 300, 6,
                  [(280, 500, "Instructor, first term"), (200, 500, "Instructor, second term"),
                   (150, 500, "Mats and room hire")],
                  [("First class", 14, 20), ("Last class of the course", 180, 178)],
                  [("Mothers and babies who attended", 34, "families")]),
    "Healthy Lunch Club": ("360G-macc-hurdsfield-lunch-club", True, 290, 9,
                           [(270, 400, "Food, first quarter"), (180, 350, "Food, second quarter"),
                            (90, 250, "Food, third quarter")],
                           [("First lunch", 10, 12), ("Healthy eating sessions finished", 240, 230)],
                           [("Residents who attended healthy eating sessions", 88, "residents"),
                            ("Healthy eating sessions held", 11, "sessions")]),
    "Action Station": ("GB-COH-09876543", False, 240, 18,
                       [(220, 12_000, "Fitting out the hub"), (150, 10_000, "Youth workers, first six months"),
                        (40, 10_000, "Youth workers, next six months")],
                       [("Hub opens", 60, 75), ("Evening sessions every weekday", 120, None),
                        ("Six-month report to the partnership", 300, None)],
                       [("Young people who used the hub", 146, "young people")]),
    "Men's Shed": ("GB-CHC-1187654", True, 260, 12,
                   [(250, 6_000, "Workshop tools"), (180, 2_000, "Rent, first half")],
                   [("Workshop open", 30, 35), ("Second workshop day", 150, None)],
                   [("Men who came to the shed", 27, "residents")]),
    "Dementia Cafe": ("GB-CHC-1012345", True, 400, 10,
                      [(380, 1_200, "Room hire and refreshments"), (300, 1_300, "Activity leader")],
                      [("First cafe", 20, 21)], []),
    "Park Outdoor Gym": ("360G-cheshire-east-ansa", False, 200, 12, [], [("Equipment installed", 90, None)], []),
}


def seed_delivery_demo(session: Session, round_id: int) -> None:
    voting_round = governance_repo.get_round(session, round_id)
    memberships = session.exec(select(Membership).where(Membership.partnership_id == voting_round.partnership_id))
    members = {m.role: session.get(StaffAccount, m.staff_id) for m in memberships}
    chair, officer = actor_for(members[Role.chair], Role.chair), actor_for(members[Role.officer], Role.officer)
    reconciliation.sign_off(session, chair, round_id, name=members[Role.chair].display_name)
    certification.certify(session, chair, round_id, name=members[Role.chair].display_name)
    certification.confirm(session, officer, round_id, name=members[Role.officer].display_name)

    today = date.today()
    selected = set(json.loads(voting_repo.result_of(session, round_id).outcome)["selected"])
    for project in proposals_repo.on_ballot(session, round_id):
        if project.id not in selected or project.title not in DELIVERY:
            continue
        recipient_id, resident_led, age, months, spend, milestones, outputs = DELIVERY[project.title]
        awarded = today - timedelta(days=age)
        grant = service.award_grant(session, officer, round_id=round_id, proposal_id=project.id, form=GrantForm(
            recipient_name=project.delivered_by, recipient_id=recipient_id, amount=str(project.cost),
            award_date=awarded.isoformat(), planned_start=(awarded + timedelta(days=7)).isoformat(),
            planned_end=(awarded + timedelta(days=30 * months)).isoformat(),
            conditions="Spend only on the activity voted for; report spending and attendance to the partnership "
                       "officer at least every two months; return what is not spent by the end date."))
        for days_ago, amount, what in spend:
            service.record_spend(session, officer, grant.id, spent_on=(today - timedelta(days=days_ago)).isoformat(),
                                 amount=str(amount), description=what, today=today)
        for title, planned, done in milestones:
            service.add_milestone(session, officer, grant.id, title=title,
                                  planned_on=(awarded + timedelta(days=planned)).isoformat(),
                                  actual_on="" if done is None else (awarded + timedelta(days=done)).isoformat(),
                                  today=today)
        for indicator, value, unit in outputs:
            service.add_output(session, officer, grant.id, indicator=indicator, value=str(value), unit=unit,
                               reported_on=(today - timedelta(days=min(age - 30, 60))).isoformat(), today=today)
        if resident_led:
            service.add_outcome(session, officer, grant.id,
                                savings_per_year=str(round(project.cost * A3_SAVINGS / A3_COST)),
                                source=A3_SOURCE, method=A3_METHOD)


def recipient_link_for_demo(session: Session) -> tuple[str, str]:
    """A working link for one demo grant (one with milestones still to reach), as an officer would send
    it; returns the project's title and the token (kept nowhere but in what is printed)."""
    from core.audit import CLI_ACTOR
    from delivery import links
    from delivery import repository as delivery_repo

    grants = delivery_repo.all_grants(session)
    grant = next((g for g in grants if g.title == "Action Station"), grants[-1])
    _, token = links.issue_link(session, CLI_ACTOR, grant.id)
    return grant.title, token
