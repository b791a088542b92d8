"""Demo: next year's round collecting residents' ideas, a dozen proposals in every state a newcomer
should see (draft, submitted, changes asked, eligible, not eligible, merged, withdrawn, from a paper
form), messages and a declared interest. All through the services, so the audit log verifies."""

from sqlmodel import Session, select

from core.audit import CLI_ACTOR
from governance import interests
from governance import service as governance_service
from governance.models import Phase, StaffAccount
from governance.permissions import actor_for
from proposals import service
from proposals.service import ProposalContent
from residents.models import Resident
from residents.service import actor_for as resident_actor

RESIDENTS = [("maria", "Maria Lopez"), ("tom", "Tom Barker"), ("aisha", "Aisha Khan"), ("dev", "Dev Patel"),
             ("hannah", "Hannah Wright"), ("george", "George Ellis"), ("lin", "Lin Chen"), ("ruth", "Ruth Adams")]

# (resident, title, summary, cost lines, delivered by, place, category)
IDEAS = [
    (0, "Hurdsfield Friday Lunch Club", "A hot lunch and company for older residents every Friday.",
     [("Hall hire, 40 weeks", 1_600), ("Food", 2_400), ("Volunteer food hygiene training", 300)],
     "Hurdsfield Community Kitchen CIC", "Hurdsfield ward", "Food"),
    (1, "Tytherington Litter Pickers", "Grabbers, bags and hi-vis for a monthly community litter pick.",
     [("Litter pickers and bags", 450), ("Hi-vis vests", 150)], "Tytherington Residents' Association",
     "Tytherington", "Environment and green spaces"),
    (2, "Girls' Cycling Club", "Bikes, helmets and a qualified leader for Saturday rides.",
     [("Ten bikes", 4_000), ("Helmets and locks", 600), ("Leader, 30 sessions", 1_800)],
     "Macclesfield Wheelers", "South Park", "Sport and activity"),
    (3, "Repair Café", "A monthly café where volunteers fix small appliances and clothes.",
     [("Tools and PAT testing", 900), ("Venue", 600), ("Publicity", 200)], "Transition Macclesfield",
     "Christ Church", "Community spaces"),
    (4, "Weston Community Orchard", "Fruit trees and benches on the Weston estate green.",
     [("Twenty fruit trees", 1_400), ("Two benches", 1_100), ("Signage", 300)], "Weston Residents' Group",
     "Weston", "Environment and green spaces"),
    (5, "Teen Cooking Nights", "Cook-and-eat evenings for 13 to 16 year olds.",
     [("Ingredients", 1_500), ("Youth worker", 2_000)], "Youth Federation CIC", "Moss Rose",
     "Children and young people"),
    (6, "Chinese New Year Festival", "A family day of food, music and dance in the town centre.",
     [("Stage and PA", 3_000), ("Performers", 2_500), ("Stewards", 800)], "Macclesfield Chinese Association",
     "Town centre", "Arts and culture"),
    (7, "Seated Tai Chi", "Gentle tai chi for people with limited mobility.",
     [("Instructor, 40 sessions", 2_000), ("Room hire", 800)], "Peaks and Plains Housing Trust",
     "Sheltered housing, Hurdsfield", "Older people"),
    (0, "Older People's Lunch, Hurdsfield", "Weekly lunch for pensioners at the community centre.",
     [("Food", 2_000), ("Room", 1_000)], "", "Hurdsfield ward", "Food"),
    (1, "Skate Park Lights", "Floodlights so the skate park can be used in winter evenings.",
     [("Floodlights and installation", 38_000)], "Cheshire East ANSA", "West Park", "Sport and activity"),
    (2, "Reading Buddies", "Volunteers reading with children after school at the library.",
     [("DBS checks and training", 700), ("Books", 500)], "Macclesfield Library Friends", "Library",
     "Children and young people"),
    (3, "Bee-friendly Verges", "Wildflower seeding on three road verges.",
     [("Seed and soil preparation", 1_200)], "Transition Macclesfield", "Broken Cross", "Environment and green spaces"),
]


def seed_proposals_demo(session: Session, partnership_id: int, *, suffix: str = "") -> int:
    """Next year's round at the involve step, with a dozen residents' proposals. Returns its id."""
    voting_round = governance_service.create_round(
        session, CLI_ACTOR, partnership_id=partnership_id, title="Community Fund 2027: your ideas", budget=60_000,
        fund_source="Public Health Lifestyle Area Fund", eligible_postcodes="SK10, SK11",
        summary="£60,000 for residents' own ideas. Propose a project until the end of the month.",
        priorities="Healthier lives for all ages\nLess loneliness and isolation\nActive, green neighbourhoods",
        phase=Phase.involve)
    rid = voting_round.id
    residents = []
    for handle, name in RESIDENTS:
        resident = Resident(email=f"{handle}{suffix}@example.org", display_name=name)
        session.add(resident)
        residents.append(resident)
    session.flush()
    staff = {s.username.split("-")[0]: s for s in session.exec(select(StaffAccount).where(
        StaffAccount.username.in_([f"officer{suffix}", f"chair{suffix}"])))}
    officer, chair = actor_for(staff["officer"], "officer"), actor_for(staff["chair"], "chair")

    ids = []
    for n, (who, title, summary, lines, by, place, category) in enumerate(IDEAS):
        resident = residents[who]
        proposal = service.create_by_resident(
            session, round_id=rid, proposer_id=resident.id, proposer_name=resident.display_name,
            content=ProposalContent(title=title, summary=summary, cost_lines=lines, delivered_by=by, location=place,
                                    category=category), submit=n != 11)
        ids.append(proposal.id)

    def review(i, decision, reason=""):
        service.review_proposal(session, officer, round_id=rid, proposal_id=ids[i], decision=decision, reason=reason)

    review(0, "eligible")
    review(2, "needs_changes", "Could the bikes be loaned rather than bought? Please get a quote from the "
                               "council's bike library and add it as a cost line.")
    service.post_message(session, resident_actor(residents[2]), round_id=rid, proposal_id=ids[2],
                         author="Aisha Khan (proposer)", proposer_id=residents[2].id,
                         body="Thanks, I have asked the bike library and will update the costs this week.")
    review(3, "eligible")
    service.adjust_costs(session, officer, round_id=rid, proposal_id=ids[4],
                         cost_lines=[("Twenty fruit trees", 1_400), ("Two benches", 1_300), ("Signage", 300)],
                         note="Benches cost £650 each from the council's supplier.")
    review(4, "eligible")
    review(6, "ineligible", "The fund is for health and wellbeing; a one-day festival is better suited to the "
                            "Town Events Grant, which opens in March.")
    service.merge_proposals(session, officer, round_id=rid, proposal_id=ids[8], into_id=ids[0],
                            note="The same lunch club, proposed twice.")
    review(9, "needs_changes", "£38,000 is more than half the fund. Could the lights be on a timer and "
                               "cost less? Please ask ANSA for a smaller scheme.")
    service.withdraw_by_resident(session, round_id=rid, proposal_id=ids[10], proposer_id=residents[2].id)
    service.enter_on_behalf(session, officer, round_id=rid, proposer_name="Mrs Joan Brown",
                            content=ProposalContent(title="Bus Trips for Housebound Residents",
                                                    summary="Monthly minibus outings for people who rarely get out.",
                                                    cost_lines=[("Minibus hire, 12 trips", 2_400),
                                                                ("Volunteer drivers' expenses", 300)],
                                                    delivered_by="Macclesfield Community Transport",
                                                    location="Across the town", category="Older people"))
    interests.declare_interest(session, chair, partnership_id=partnership_id, staff_id=staff["chair"].id,
                               organisation="Transition Macclesfield",
                               description="I am a trustee of Transition Macclesfield")
    return rid
