"""The partnership's public register of interests: who declared what, and when, on its page and in
its API; withdrawn declarations and other partnerships' are not listed, and nothing personal beyond
the staff member's display name is."""

from datetime import date

from core.audit import CLI_ACTOR
from governance import interests
from governance.models import Role
from proposals import repository as proposals_repo
from tests.builders import a_partnership, a_round, a_staff_member


def _register(db):
    with db.session(write=True) as session:
        partnership = a_partnership(session)
        other = a_partnership(session, name="Bollington Partnership", slug="bollington")
        officer = a_staff_member(session, partnership, Role.officer, "officer")
        member = a_staff_member(session, partnership, Role.member, "member")
        elsewhere = a_staff_member(session, other, Role.chair, "elsewhere")
        voting_round = a_round(session, partnership)
        proposal = proposals_repo.on_ballot(session, voting_round.id)[0]
        interests.declare_interest(session, CLI_ACTOR, partnership_id=partnership.id, staff_id=officer.id,
                                   proposal_id=proposal.id, description="My sister runs it")
        interests.declare_interest(session, CLI_ACTOR, partnership_id=partnership.id, staff_id=member.id,
                                   organisation="Friends of the Park", description="I am a trustee")
        withdrawn = interests.declare_interest(session, CLI_ACTOR, partnership_id=partnership.id,
                                               staff_id=member.id, organisation="Town Football Club",
                                               description="I coach the under-12s")
        interests.withdraw_declaration(session, CLI_ACTOR, declaration_id=withdrawn.id, staff_id=member.id)
        interests.declare_interest(session, CLI_ACTOR, partnership_id=other.id, staff_id=elsewhere.id,
                                   organisation="Bollington Arts", description="I chair its board")
        return partnership.id, proposal.title


class TestThePartnershipShowsItsRegisterOfInterests:
    def test_the_api_lists_the_declarations_in_force_with_who_what_and_when(self, client, db):
        partnership_id, title = _register(db)
        today = date.today().isoformat()

        body = client.get(f"/api/v1/partnerships/{partnership_id}").json()

        assert body["interests"] == [
            {"name": "Officer", "subject": f'the proposal "{title}"', "description": "My sister runs it",
             "declared_on": today},
            {"name": "Member", "subject": "the organisation Friends of the Park", "description": "I am a trustee",
             "declared_on": today}]

    def test_the_page_lists_them_and_leaves_out_withdrawn_and_other_partnerships_declarations(self, client, db):
        partnership_id, title = _register(db)

        page = client.get(f"/partnerships/{partnership_id}")

        assert page.status_code == 200
        assert "Officer: the proposal &#34;" + title + "&#34; (My sister runs it), declared" in page.text
        assert "Member: the organisation Friends of the Park (I am a trustee), declared" in page.text
        assert date.today().isoformat() in page.text
        assert "under-12s" not in page.text and "Bollington Arts" not in page.text
        assert "No interests declared" not in page.text

    def test_a_partnership_without_declarations_says_so(self, client, db):
        with db.session(write=True) as session:
            partnership_id = a_partnership(session).id

        assert client.get(f"/api/v1/partnerships/{partnership_id}").json()["interests"] == []
        assert "No interests declared" in client.get(f"/partnerships/{partnership_id}").text
