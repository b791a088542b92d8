"""The demo partnership's standing body: ward councillors and residents as members, and two meetings
with minutes and decisions (the first meeting's minutes approved at the second)."""

from datetime import timedelta

from sqlmodel import Session

from core.audit import CLI_ACTOR
from governance import meetings, repository
from governance import service as governance_service
from governance.models import Role, utcnow

# Members sign nothing in the software: they have no password (an admin can invite them later).
MEMBERS = [
    ("cllr-braithwaite", "Councillor Liz Braithwaite (Macclesfield Central)"),
    ("cllr-hutchison", "Councillor Mike Hutchison (Macclesfield East)"),
    ("ann-lowe", "Reverend Ann Lowe (Christ Church)"),
    ("dan-morris", "Dan Morris (resident member)"),
]


def seed_governance_demo(session: Session, partnership_id: int, suffix: str = "",
                         ballot_round_id: int | None = None) -> None:
    """`ballot_round_id`: the round whose ballot the second meeting decides, so that calling that
    decision in holds its vote back."""
    for username, name in MEMBERS:
        staff = governance_service.create_staff(session, CLI_ACTOR, username=username + suffix, display_name=name,
                                                password=None)
        governance_service.add_member(session, CLI_ACTOR, partnership_id=partnership_id, staff_id=staff.id,
                                      role=Role.member)
    everyone = [staff.id for staff, _ in repository.members_of(session, partnership_id)]
    today = utcnow().date()
    first = meetings.schedule_meeting(
        session, CLI_ACTOR, partnership_id=partnership_id, held_on=today - timedelta(days=63),
        place="Macclesfield Town Hall, Committee Room 2", residents_attending=11, present=everyone[:-1],
        agenda="Apologies\nPriorities for the Community Fund 2026\nThe PB day: date and place\nAny other business")
    meetings.record_decision(session, CLI_ACTOR, first.id, "Adopt the priorities for 2026: healthier lives for all "
                             "ages, less loneliness and isolation, active green neighbourhoods")
    meetings.record_decision(session, CLI_ACTOR, first.id, "Approve the PB day date: a Saturday in March at "
                             "Christ Church Hall, with tablets and paper ballots")
    minutes = meetings.draft_minutes(
        session, CLI_ACTOR, first.id,
        "The chair welcomed eleven residents. Public Health presented the fund (£100,000 from the Public Health "
        "Lifestyle Area Fund). Members discussed the priorities residents ranked in the consultation and adopted "
        "three. The PB day will be held in March at Christ Church Hall; the steward team will run the desk.")
    second = meetings.schedule_meeting(
        session, CLI_ACTOR, partnership_id=partnership_id, held_on=today - timedelta(days=21),
        place="Christ Church Hall", residents_attending=17, present=everyone,
        agenda="Minutes of the last meeting\nProposals for the ballot\nDeclarations of interest")
    meetings.approve_minutes(session, CLI_ACTOR, minutes.id, second.id)
    meetings.record_decision(session, CLI_ACTOR, second.id, "Put the 17 eligible proposals on the Community Fund "
                             "2026 ballot", round_id=ballot_round_id)
    meetings.draft_minutes(
        session, CLI_ACTOR, second.id,
        "The minutes of the last meeting were approved. Officers reported on the feasibility of the proposals; "
        "all 17 are eligible. Members with an interest in a proposal declared it and will not review it.")
