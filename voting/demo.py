"""The demo: a Macclesfield neighbourhood partnership, this year's round ready to open, and
last year's PB day counted and published. Everything goes through the services, so the
demo's audit log verifies like a real one."""

import random

from sqlmodel import Session, select

from core.audit import CLI_ACTOR
from governance import service as governance_service
from governance.demo import seed_governance_demo
from governance.models import Partnership, Phase, Role
from governance.permissions import actor_for
from governance.service import BallotSettings
from proposals import service as proposals_service
from proposals.demo import seed_proposals_demo
from voting import paper, register
from voting import service as voting_service
from voting.ballots import BallotChoices
from voting.models import Channel

DEMO_SLUG = "macclesfield"

STAFF = [
    ("chair", "Councillor Sam Okafor", "demo-chair-pass", Role.chair),
    ("steward", "Priya Shah", "demo-steward-pass", Role.steward),
    ("officer", "Jo Whitfield (Public Health)", "demo-officer-pass", Role.officer),
    ("scrutiny", "Alan Pryce", "demo-scrutiny-pass", Role.scrutiny),
]

PROPOSALS = [
    ("Baby Yoga", 1_500, "Mother and baby yoga sessions at the children's centre.", "Macclesfield Children's Centre"),
    ("Healthy Lunch Club", 1_000, "A weekly cooked lunch and company for older residents.",
     "Hurdsfield Community Centre"),
    ("Green Gym", 16_000, "Volunteer conservation sessions that double as outdoor exercise.",
     "The Conservation Volunteers"),
    ("Action Station", 50_000, "A drop-in hub for young people with activities and advice.", "Youth Federation CIC"),
    ("Walking for Health", 4_200, "Led walks from the town centre every weekday.", "Macclesfield Walkers"),
    ("Community Fridge", 6_500, "Surplus food shared from a fridge at the library.", "Transition Macclesfield"),
    ("Men's Shed", 9_800, "A workshop where older men make, mend and talk.", "Macc Men's Shed"),
    ("Dementia Cafe", 3_600, "Monthly cafe for people living with dementia and their carers.", "Age UK Cheshire East"),
    ("Park Outdoor Gym", 24_000, "Outdoor exercise equipment in West Park.", "Cheshire East ANSA"),
    ("Cook and Eat Classes", 5_400, "Eleven sessions of healthy cooking on a budget.", "Weston Community Kitchen"),
    ("Couch to 5k", 2_800, "Beginners' running group with qualified leaders.", "Macclesfield Harriers"),
    ("Family Swim Sessions", 7_200, "Free Saturday family swims at the leisure centre.", "Everybody Leisure"),
    ("Mental Health First Aid", 8_900, "Training for forty local volunteers.", "Mind in Cheshire East"),
    ("Allotment Starter Plots", 12_500, "Raised beds and tools for new growers.", "Moss Rose Allotments"),
    ("Chair-based Exercise", 3_100, "Gentle exercise classes in sheltered housing.", "Peaks and Plains Housing Trust"),
    ("Youth Football Nights", 6_000, "Friday evening five-a-side with mentoring.", "Macclesfield Town Community Trust"),
    ("Smoke-free Homes", 4_700, "Support for families to make their homes smoke-free.", "Change Grow Live"),
]

PRIORITIES = "Healthier lives for all ages\nLess loneliness and isolation\nActive, green neighbourhoods"


def seed_demo(session: Session, *, ballots: int = 0, force: bool = False) -> list[tuple[str, str, str]] | None:
    """Create the demo; None if it is already there. Returns (username, password, role) to print."""
    if not force and session.exec(select(Partnership).where(Partnership.slug == DEMO_SLUG)).first():
        return None
    suffix = "" if not force else f"-{random.randint(1000, 9999)}"
    partnership = governance_service.create_partnership(
        session, CLI_ACTOR, name="Macclesfield Neighbourhood Partnership", slug=DEMO_SLUG + suffix,
        area="Macclesfield (SK10, SK11)",
        description="Ward councillors, local stakeholders and residents deciding how public-health money is spent.")
    accounts = []
    members = {}
    for username, name, password, role in STAFF:
        staff = governance_service.create_staff(session, CLI_ACTOR, username=username + suffix, display_name=name,
                                                password=password)
        governance_service.add_member(session, CLI_ACTOR, partnership_id=partnership.id, staff_id=staff.id, role=role)
        accounts.append((staff.username, password, str(role)))
        members[role] = staff
    admin = governance_service.create_staff(session, CLI_ACTOR, username="admin" + suffix,
                                            display_name="Platform administrator", password="demo-admin-pass",
                                            is_admin=True)
    accounts.append((admin.username, "demo-admin-pass", "admin"))

    last_year = _round_with_proposals(session, partnership.id, "Community Fund 2025", PROPOSALS[:12])
    voting_service.open_vote(session, CLI_ACTOR, last_year.id)
    _simulate_pb_day(session, last_year.id, ballots or 240)
    _paper_sheets(session, last_year.id, members[Role.steward], members[Role.chair])
    voting_service.close_vote(session, CLI_ACTOR, last_year.id)
    voting_service.publish_results(session, CLI_ACTOR, last_year.id)
    # Last year's round is certified and its projects report spend (delivery/demo.py).
    from delivery.demo import seed_delivery_demo

    seed_delivery_demo(session, last_year.id)

    seed_proposals_demo(session, partnership.id, suffix=suffix)  # next year's ideas, before this year's round
    this_year = _round_with_proposals(session, partnership.id,
                                      "Macclesfield Neighbourhood Partnership — Community Fund 2026", PROPOSALS)
    seed_governance_demo(session, partnership.id, suffix, ballot_round_id=this_year.id)
    return accounts


def _round_with_proposals(session: Session, partnership_id: int, title: str, proposals: list):
    voting_round = governance_service.create_round(
        session, CLI_ACTOR, partnership_id=partnership_id, title=title, budget=100_000,
        fund_source="Public Health Lifestyle Area Fund", eligible_postcodes="SK10, SK11", priorities=PRIORITIES,
        summary="£100,000 for projects that help Macclesfield residents live healthier lives.",
        settings=BallotSettings(), phase=Phase.collaborate)
    for title_, cost, summary, by in proposals:
        proposals_service.add_proposal(session, CLI_ACTOR, round_id=voting_round.id, title=title_, cost=cost,
                                       summary=summary, delivered_by=by)
    return voting_round


def _simulate_pb_day(session: Session, round_id: int, count: int) -> None:
    """Residents with tastes: each project has an appeal, each voter scores around it."""
    rng = random.Random(2026)
    from proposals import repository as proposals_repo

    projects = proposals_repo.on_ballot(session, round_id)
    appeal = {p.id: rng.uniform(1.5, 4.5) for p in projects}
    passes = register.issue_passes(session, CLI_ACTOR, round_id=round_id, count=count)
    for issued in passes:
        scores = {pid: max(1, min(5, round(rng.gauss(a, 1.0)))) for pid, a in appeal.items()}
        voting_service.cast_ballot(session, round_id=round_id, pass_code=issued.code,
                                   choices=BallotChoices(scores=scores),
                                   channel=Channel.phone if rng.random() < 0.3 else Channel.kiosk)


PAPER_SHEETS = 6  # handed out at the desk: five entered alike and counted, one spoilt


def _paper_sheets(session: Session, round_id: int, steward, chair) -> None:
    """A few residents vote on paper; the steward and the chair each enter every sheet."""
    from proposals import repository as proposals_repo

    rng = random.Random(2027)
    projects = proposals_repo.on_ballot(session, round_id)
    for n in range(PAPER_SHEETS):
        register.issue_pass(session, CLI_ACTOR, round_id=round_id, name=f"Paper Voter {n}", postcode="SK11 6BJ",
                            different_person=True, paper=True)
    *counted, spoilt = paper.new_sheet_numbers(round_id, PAPER_SHEETS)
    keyers = [(actor_for(steward, Role.steward), steward.display_name),
              (actor_for(chair, Role.chair), chair.display_name)]
    for number in counted:
        scores = {p.id: rng.randint(1, 5) for p in rng.sample(projects, 6)}
        for actor, name in keyers:
            paper.enter_sheet(session, actor, round_id=round_id, name=name, sheet=number,
                              choices=BallotChoices(scores=scores))
    for actor, name in keyers:
        paper.enter_sheet(session, actor, round_id=round_id, name=name, sheet=spoilt, choices=None,
                          spoilt_reason="Two scores circled for the same project")
