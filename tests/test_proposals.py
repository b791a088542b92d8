"""Residents' proposals from draft to ballot, officers' review, merges, costs and moderation, and the
declarations of interest that keep an officer or member out of a decision: all in the services."""

import json

import pytest

from core.audit import CLI_ACTOR
from core.errors import Conflict, InvalidInput, NotAllowed
from governance import interests
from governance import service as governance_service
from governance.models import Phase, Role
from governance.permissions import actor_for
from proposals import repository
from proposals import service as proposals_service
from proposals.models import ProposalStatus
from proposals.service import Photo, ProposalContent
from residents.models import Resident
from tests.builders import A_JPEG, A_WEBP, a_partnership, a_png, a_staff_member
from voting import service as voting_service

PNG = a_png()
JPEG = A_JPEG
WEBP = A_WEBP


def content(title="Friday lunch club", lines=(("Hall hire", 400), ("Food", 500), ("Volunteer training", 100)),
            **more) -> ProposalContent:
    fields = {"summary": "A hot lunch and company for older residents.", "location": "Hurdsfield ward",
              "description": "Every Friday at the Hurdsfield centre.", "category": "Food",
              "delivered_by": "Hurdsfield Community Kitchen CIC", "org_number": "12345678", **more}
    return ProposalContent(title=title, cost_lines=list(lines), **fields)


class Arc:
    """A partnership with a chair, two officers and a member, and a round collecting ideas."""

    def __init__(self, db, phase=Phase.involve, budget=20_000):
        self.db = db
        with db.session(write=True) as session:
            partnership = a_partnership(session)
            self.partnership_id = partnership.id
            self.chair = a_staff_member(session, partnership, Role.chair, "chair").id
            self.officer = a_staff_member(session, partnership, Role.officer, "officer").id
            self.other_officer = a_staff_member(session, partnership, Role.officer, "olu").id
            self.member = a_staff_member(session, partnership, Role.member, "member").id
            self.round_id = governance_service.create_round(
                session, CLI_ACTOR, partnership_id=partnership.id, title="Community Fund 2027", budget=budget,
                phase=phase).id
            ada, ben = Resident(email="ada@example.org", display_name="Ada"), Resident(email="ben@example.org")
            session.add_all([ada, ben])
            session.flush()
            self.residents = [ada.id, ben.id]

    def actor(self, staff_id, role="officer"):
        return actor_for(type("S", (), {"id": staff_id})(), role)

    def propose(self, *, resident=1, name="Ada Resident", submit=True, **kw):
        with self.db.session(write=True) as session:
            return proposals_service.create_by_resident(
                session, round_id=self.round_id, proposer_id=self.residents[resident - 1], proposer_name=name,
                content=kw.pop("content", None) or content(**kw), submit=submit).id

    def review(self, proposal_id, decision, reason="", staff=None):
        with self.db.session(write=True) as session:
            return proposals_service.review_proposal(
                session, self.actor(staff or self.officer), round_id=self.round_id, proposal_id=proposal_id,
                decision=decision, reason=reason).status

    def proposal(self, proposal_id):
        with self.db.session() as session:
            return repository.get_proposal(session, self.round_id, proposal_id)

    def move_to(self, phase):
        with self.db.session(write=True) as session:
            from governance import repository as governance_repo

            governance_service.move_to_phase(session, CLI_ACTOR, governance_repo.get_round(session, self.round_id),
                                             phase)

    def declare(self, staff_id, *, proposal_id=None, organisation=""):
        with self.db.session(write=True) as session:
            return interests.declare_interest(
                session, self.actor(staff_id), partnership_id=self.partnership_id, staff_id=staff_id,
                proposal_id=proposal_id, organisation=organisation, description="I am a trustee").id


@pytest.fixture
def arc(db):
    return Arc(db)


class TestAResidentProposes:
    def test_a_draft_is_kept_for_its_proposer_and_not_listed(self, arc):
        proposal_id = arc.propose(submit=False)

        assert arc.proposal(proposal_id).status == ProposalStatus.draft
        with arc.db.session() as session:
            assert repository.public_for_round(session, arc.round_id) == []
            assert [p.id for p in repository.of_proposer(session, arc.round_id, arc.residents[0])] == [proposal_id]

    def test_the_cost_is_the_sum_of_its_lines(self, arc):
        proposal = arc.proposal(arc.propose())

        assert proposal.cost == 1000
        assert proposal.lines == [{"item": "Hall hire", "amount": 400}, {"item": "Food", "amount": 500},
                                  {"item": "Volunteer training", "amount": 100}]
        assert proposal.status == ProposalStatus.submitted

    def test_the_proposer_edits_until_the_review_starts_and_every_change_is_a_version(self, arc):
        proposal_id = arc.propose(submit=False)
        with arc.db.session(write=True) as session:
            proposals_service.edit_by_resident(session, round_id=arc.round_id, proposal_id=proposal_id,
                                               proposer_id=arc.residents[0],
                                               content=content(title="Friday lunch club for all"),
                                               submit=True)
        with arc.db.session(write=True) as session:
            proposals_service.edit_by_resident(session, round_id=arc.round_id, proposal_id=proposal_id,
                                               proposer_id=arc.residents[0],
                                               content=content(title="Friday lunch club, Hurdsfield"))
        arc.review(proposal_id, "eligible")

        with arc.db.session(write=True) as session, pytest.raises(Conflict, match="no longer be changed"):
            proposals_service.edit_by_resident(session, round_id=arc.round_id, proposal_id=proposal_id,
                                               proposer_id=arc.residents[0],
                                               content=content(title="Changed after review"))
        with arc.db.session() as session:
            versions = repository.versions(session, proposal_id)
        assert [v.number for v in versions] == [1, 2, 3, 4]
        assert [v.data["title"] for v in versions] == ["Friday lunch club", "Friday lunch club for all",
                                                       "Friday lunch club, Hurdsfield", "Friday lunch club, Hurdsfield"]
        assert [v.data["status"] for v in versions] == ["draft", "submitted", "submitted", "eligible"]
        assert versions[1].data["cost_lines"][0] == {"item": "Hall hire", "amount": 400}
        assert versions[3].author == "officer Officer"

    def test_someone_else_cannot_edit_or_withdraw_it(self, arc):
        proposal_id = arc.propose()
        with arc.db.session(write=True) as session, pytest.raises(NotAllowed):
            proposals_service.edit_by_resident(session, round_id=arc.round_id, proposal_id=proposal_id,
                                               proposer_id=arc.residents[1], content=content())
        with arc.db.session(write=True) as session, pytest.raises(NotAllowed):
            proposals_service.withdraw_by_resident(session, round_id=arc.round_id, proposal_id=proposal_id,
                                                   proposer_id=arc.residents[1])

    def test_the_proposer_withdraws_it_and_it_stays_on_record(self, arc):
        proposal_id = arc.propose()
        with arc.db.session(write=True) as session:
            proposals_service.withdraw_by_resident(session, round_id=arc.round_id, proposal_id=proposal_id,
                                                   proposer_id=arc.residents[0])
        assert arc.proposal(proposal_id).status == ProposalStatus.withdrawn
        with arc.db.session(write=True) as session, pytest.raises(Conflict, match="cannot be withdrawn"):
            proposals_service.withdraw_by_resident(session, round_id=arc.round_id, proposal_id=proposal_id,
                                                   proposer_id=arc.residents[0])

    def test_a_photo_is_kept_when_its_bytes_say_it_is_an_image(self, arc):
        for n, image in enumerate((PNG, JPEG, WEBP)):
            with arc.db.session(write=True) as session:
                proposal = proposals_service.create_by_resident(
                    session, round_id=arc.round_id, proposer_id=arc.residents[0], proposer_name="Ada",
                    content=content(title=f"Idea {n}"), photo=Photo(image, "holiday.txt"))
                assert repository.photo(session, proposal.id).content_type in ("image/png", "image/jpeg",
                                                                               "image/webp")


class TestPhaseFlags:
    def test_a_proposal_outside_the_involve_step_is_refused_saying_when(self, arc):
        for phase in (Phase.inform, Phase.consult, Phase.collaborate, Phase.empower, Phase.deliver):
            arc.move_to(phase)
            with pytest.raises(Conflict, match="This can be done during: Collecting ideas"):
                arc.propose()
        arc.move_to(Phase.involve)
        assert arc.propose()

    def test_a_submitted_proposal_is_no_longer_edited_once_the_round_moves_to_collaborate(self, arc):
        proposal_id = arc.propose()
        arc.move_to(Phase.collaborate)
        with arc.db.session(write=True) as session, pytest.raises(Conflict, match="Collecting ideas"):
            proposals_service.edit_by_resident(session, round_id=arc.round_id, proposal_id=proposal_id,
                                               proposer_id=arc.residents[0],
                                               content=content(title="Late change"))

    def test_changes_asked_for_can_be_made_while_proposals_are_refined(self, arc):
        proposal_id = arc.propose()
        arc.move_to(Phase.collaborate)
        arc.review(proposal_id, "needs_changes", "Please get a quote for the hall.")
        with arc.db.session(write=True) as session:
            proposals_service.edit_by_resident(
                session, round_id=arc.round_id, proposal_id=proposal_id, proposer_id=arc.residents[0], submit=True,
                content=content(lines=(("Hall hire (quote attached)", 450), ("Food", 500))))
        proposal = arc.proposal(proposal_id)
        assert (proposal.status, proposal.cost) == (ProposalStatus.submitted, 950)


class TestOfficerReview:
    def test_each_decision_moves_the_status_and_the_proposer_reads_the_reason(self, arc):
        proposal_id = arc.propose()
        assert arc.review(proposal_id, "needs_changes", "Add who runs it.") == ProposalStatus.needs_changes
        assert arc.proposal(proposal_id).review_reason == "Add who runs it."
        with arc.db.session(write=True) as session:
            proposals_service.edit_by_resident(session, round_id=arc.round_id, proposal_id=proposal_id,
                                               proposer_id=arc.residents[0],
                                               content=content(), submit=True)
        assert arc.proposal(proposal_id).status == ProposalStatus.submitted
        assert arc.review(proposal_id, "ineligible", "Not in the area.") == ProposalStatus.ineligible
        assert arc.review(proposal_id, "eligible") == ProposalStatus.eligible

    def test_asking_for_changes_or_refusing_needs_a_reason(self, arc):
        proposal_id = arc.propose()
        for decision in ("needs_changes", "ineligible"):
            with pytest.raises(InvalidInput, match="Say why") as refused:
                arc.review(proposal_id, decision, "  ")
            assert refused.value.field == "reason"

    def test_a_draft_or_a_withdrawn_proposal_is_not_reviewed(self, arc):
        draft = arc.propose(submit=False)
        with pytest.raises(Conflict):
            arc.review(draft, "eligible")

    def test_only_eligible_proposals_go_on_the_ballot_when_voting_opens(self, arc):
        eligible, ineligible, waiting = arc.propose(title="A"), arc.propose(title="B"), arc.propose(title="C")
        arc.review(eligible, "eligible")
        arc.review(ineligible, "ineligible", "Outside the area")
        with arc.db.session(write=True) as session:
            voting_service.open_vote(session, CLI_ACTOR, arc.round_id)
        with arc.db.session() as session:
            assert [p.id for p in repository.on_ballot(session, arc.round_id)] == [eligible]
        assert arc.proposal(waiting).status == ProposalStatus.submitted
        with pytest.raises(Conflict, match="voting has opened"):
            arc.review(waiting, "eligible")

    def test_an_officer_enters_a_paper_form_on_a_residents_behalf(self, arc):
        with arc.db.session(write=True) as session:
            proposal = proposals_service.enter_on_behalf(session, arc.actor(arc.officer), round_id=arc.round_id,
                                                         proposer_name="Mrs Brown", content=content())
            assert (proposal.entered_on_behalf, proposal.proposer_id, proposal.status) == (
                True, None, ProposalStatus.submitted)
            assert repository.versions(session, proposal.id)[0].note == "entered from a paper form"

    def test_costs_are_adjusted_with_a_note_and_kept_as_a_version(self, arc):
        proposal_id = arc.propose()
        with arc.db.session(write=True) as session, pytest.raises(InvalidInput, match="note"):
            proposals_service.adjust_costs(session, arc.actor(arc.officer), round_id=arc.round_id,
                                           proposal_id=proposal_id, cost_lines=[("Hall hire", 600)], note="")
        with arc.db.session(write=True) as session:
            proposals_service.adjust_costs(session, arc.actor(arc.officer), round_id=arc.round_id,
                                           proposal_id=proposal_id, cost_lines=[("Hall hire", 600), ("Food", 500)],
                                           note="The council's hall rate is £600")
        assert arc.proposal(proposal_id).cost == 1100
        with arc.db.session() as session:
            last = repository.versions(session, proposal_id)[-1]
        assert last.note == "costs adjusted: The council's hall rate is £600" and last.data["cost"] == 1100


class TestMerges:
    def test_both_proposers_are_credited_and_the_merge_is_undone_until_voting_opens(self, arc):
        first = arc.propose(title="Green gym", resident=1, name="Ada")
        second = arc.propose(title="Outdoor gym", resident=2, name="Ben")
        with arc.db.session(write=True) as session:
            target = proposals_service.merge_proposals(session, arc.actor(arc.officer), round_id=arc.round_id,
                                                       proposal_id=second, into_id=first, note="Same idea")
            assert proposals_service.credited(session, target, public=False) == ["Ada", "Ben"]
        assert arc.proposal(second).status == ProposalStatus.merged
        with arc.db.session(write=True) as session:
            proposals_service.unmerge_proposal(session, arc.actor(arc.officer), round_id=arc.round_id,
                                               proposal_id=second)
        assert arc.proposal(second).status == ProposalStatus.submitted

        with arc.db.session(write=True) as session:
            proposals_service.merge_proposals(session, arc.actor(arc.officer), round_id=arc.round_id,
                                              proposal_id=second, into_id=first)
        arc.review(first, "eligible")
        with arc.db.session(write=True) as session:
            voting_service.open_vote(session, CLI_ACTOR, arc.round_id)
        with arc.db.session(write=True) as session, pytest.raises(Conflict, match="voting has opened"):
            proposals_service.unmerge_proposal(session, arc.actor(arc.officer), round_id=arc.round_id,
                                               proposal_id=second)


ACTIONS = ("review", "decide on", "cost", "merge", "moderate")


def _paths(arc, proposal_id, other_id):
    """Each thing an officer or member does to a proposal, by name."""
    def run(call):
        def go(staff_id):
            with arc.db.session(write=True) as session:
                call(session, arc.actor(staff_id))
        return go

    rid = arc.round_id
    return {
        "review": run(lambda s, a: proposals_service.review_proposal(
            s, a, round_id=rid, proposal_id=proposal_id, decision="needs_changes", reason="More detail")),
        "decide on": run(lambda s, a: proposals_service.review_proposal(
            s, a, round_id=rid, proposal_id=proposal_id, decision="eligible")),
        "cost": run(lambda s, a: proposals_service.adjust_costs(
            s, a, round_id=rid, proposal_id=proposal_id, cost_lines=[("All of it", 900)], note="Checked")),
        "merge": run(lambda s, a: proposals_service.merge_proposals(
            s, a, round_id=rid, proposal_id=other_id, into_id=proposal_id)),
        "moderate": run(lambda s, a: proposals_service.hide_proposal(
            s, a, round_id=rid, proposal_id=proposal_id, reason="Personal details")),
    }


class TestDeclarationsOfInterest:
    def test_an_officer_with_an_interest_in_the_proposal_is_refused_saying_why(self, arc):
        for action in ACTIONS:
            proposal_id, other_id = arc.propose(), arc.propose(title="Another lunch club", resident=2)
            arc.declare(arc.other_officer, proposal_id=proposal_id)
            paths = _paths(arc, proposal_id, other_id)

            with pytest.raises(NotAllowed) as refused:
                paths[action](arc.other_officer)
            assert f"cannot {action} this proposal" in refused.value.message
            assert "You declared an interest in the proposal \"Friday lunch club\" (I am a trustee)" in \
                refused.value.message
            paths[action](arc.officer)  # an officer without an interest may

    def test_an_interest_in_the_organisation_covers_every_proposal_it_would_deliver(self, arc):
        arc.declare(arc.member, organisation="hurdsfield community kitchen c.i.c.")
        for action in ACTIONS:
            proposal_id, other_id = arc.propose(), arc.propose(title="Another lunch club", resident=2,
                                                               delivered_by="Someone else")
            with pytest.raises(NotAllowed, match=f"the organisation hurdsfield community kitchen c.i.c. .*"
                                                 f"cannot {action} this"):
                _paths(arc, proposal_id, other_id)[action](arc.member)

    def test_a_withdrawn_declaration_no_longer_refuses_and_stays_on_the_register(self, arc):
        proposal_id = arc.propose()
        declaration_id = arc.declare(arc.other_officer, proposal_id=proposal_id)
        with arc.db.session(write=True) as session:
            interests.withdraw_declaration(session, arc.actor(arc.other_officer), declaration_id=declaration_id,
                                           staff_id=arc.other_officer)
        arc.review(proposal_id, "eligible", staff=arc.other_officer)
        with arc.db.session() as session:
            register = interests.declarations_for_partnership(session, arc.partnership_id)
        assert [(r["name"], r["subject"], r["withdrawn_at"] is not None) for r in register] == [
            ("Olu", "the proposal \"Friday lunch club\"", True)]

    def test_an_interest_in_a_merged_duplicate_is_an_interest_in_the_whole(self, arc):
        first, second = arc.propose(title="Green gym"), arc.propose(title="Outdoor gym", resident=2)
        with arc.db.session(write=True) as session:
            proposals_service.merge_proposals(session, arc.actor(arc.officer), round_id=arc.round_id,
                                              proposal_id=second, into_id=first)
        arc.declare(arc.other_officer, proposal_id=second)
        with pytest.raises(NotAllowed, match="Outdoor gym"):
            arc.review(first, "eligible", staff=arc.other_officer)

    def test_a_declaration_needs_a_subject_and_a_description(self, arc):
        with arc.db.session(write=True) as session, pytest.raises(InvalidInput, match="one proposal or"):
            interests.declare_interest(session, CLI_ACTOR, partnership_id=arc.partnership_id, staff_id=arc.officer,
                                       description="x")
        with arc.db.session(write=True) as session, pytest.raises(InvalidInput, match="Say what"):
            interests.declare_interest(session, CLI_ACTOR, partnership_id=arc.partnership_id, staff_id=arc.officer,
                                       organisation="Hurdsfield CIC")


class TestBadInput:
    CASES = [
        ({"title": "   "}, "title", "needs a title"),
        ({"title": "x" * 50_000}, "title", "at most 120"),
        ({"lines": ()}, "cost_lines", "at least one cost line"),
        ({"lines": (("Hall", -5),)}, "amount_1", "more than £0"),
        ({"lines": (("Hall", 0),)}, "amount_1", "more than £0"),
        ({"lines": (("Hall", 10**15),)}, "amount_1", "far more"),
        ({"lines": (("Hall", 15_000), ("Food", 6_000))}, "cost_lines", "more than the £20,000"),
        ({"lines": (("", 100),)}, "item_1", "what the money is for"),
    ]

    def test_each_is_refused_with_a_message_by_its_field(self, arc):
        for kw, field, words in self.CASES:
            with pytest.raises(InvalidInput, match=words) as refused:
                arc.propose(**kw)
            assert refused.value.field == field

    def test_50_kb_of_description_is_refused(self, arc):
        with pytest.raises(InvalidInput, match="at most 10,000") as refused:
            arc.propose(content=ProposalContent(title="Big", description="x" * 50_000, cost_lines=[("A", 1)]))
        assert refused.value.field == "description"

    def test_lines_that_do_not_add_up_to_the_stated_total(self, arc):
        with arc.db.session(write=True) as session, pytest.raises(InvalidInput, match="add up to £1,000, not") as e:
            proposals_service.create_by_resident(session, round_id=arc.round_id, proposer_id=arc.residents[0],
                                                 proposer_name="A", content=content(), stated_total=1200)
        assert e.value.field == "total"

    def test_a_charity_or_company_number_of_the_wrong_shape(self, arc):
        with pytest.raises(InvalidInput, match="shape") as refused:
            arc.propose(content=ProposalContent(title="X", cost_lines=[("A", 1)], delivered_by="Group",
                                                org_number="12-AB"))
        assert refused.value.field == "org_number"

    def test_a_photo_that_is_not_an_image_or_is_huge(self, arc):
        for data, words in ((b"<html><script>alert(1)</script></html>", "not one"),
                            (b"GIF89a" + b"\x00" * 10, "not one"), (PNG + b"\x00" * (4 * 1024 * 1024), "at most 4 MB")):
            with arc.db.session(write=True) as session, pytest.raises(InvalidInput, match=words) as refused:
                proposals_service.create_by_resident(session, round_id=arc.round_id, proposer_id=arc.residents[0],
                                                     proposer_name="A", content=content(), photo=Photo(data, "p.png"))
            assert refused.value.field == "photo"

    def test_html_is_stored_as_typed_and_a_message_cannot_be_empty_or_huge(self, arc):
        proposal_id = arc.propose(title="<script>alert(1)</script>")
        assert arc.proposal(proposal_id).title == "<script>alert(1)</script>"
        for body, words in (("  ", "Write a message"), ("x" * 50_000, "at most 5,000")):
            with arc.db.session(write=True) as session, pytest.raises(InvalidInput, match=words):
                proposals_service.post_message(session, arc.actor(arc.officer), round_id=arc.round_id,
                                               proposal_id=proposal_id, author="officer", body=body)


class TestOfficersStillPutProposalsStraightOnTheBallot:
    def test_a_single_cost_figure_goes_on_the_ballot_with_a_first_version(self, arc):
        with arc.db.session(write=True) as session:
            proposal = proposals_service.add_proposal(session, CLI_ACTOR, round_id=arc.round_id, title="Baby yoga",
                                                      cost=1500)
            assert proposal.status == ProposalStatus.on_ballot
            assert json.loads(repository.versions(session, proposal.id)[0].content)["cost"] == 1500


class TestTheDemo:
    def test_a_round_collecting_ideas_with_a_dozen_proposals_in_every_state(self, arc):
        from proposals.demo import seed_proposals_demo

        with arc.db.session(write=True) as session:
            round_id = seed_proposals_demo(session, arc.partnership_id)
        with arc.db.session() as session:
            proposals = repository.for_round(session, round_id)
            register = interests.declarations_for_partnership(session, arc.partnership_id)
        assert len(proposals) >= 12
        assert {p.status for p in proposals} == {"draft", "submitted", "needs_changes", "eligible", "ineligible",
                                                 "merged", "withdrawn"}
        assert any(p.entered_on_behalf for p in proposals) and len(register) == 1
