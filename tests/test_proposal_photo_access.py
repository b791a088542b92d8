"""A hidden proposal's photo is shown only to those who see the hidden proposal: its partnership's
reviewers and scrutiny (and admins), not to any staff member of any partnership."""

from fastapi.testclient import TestClient

from core.audit import CLI_ACTOR
from governance.models import Role
from proposals import service as proposals_service
from proposals.models import Proposal, ProposalPhoto, ProposalStatus
from tests.builders import a_partnership, a_png, a_round, a_staff_member, sign_in

PNG = a_png()


class TestAHiddenProposalsPhoto:
    def test_is_for_its_partnerships_reviewers_not_another_partnerships_staff(self, app, db):
        with db.session(write=True) as session:
            partnership = a_partnership(session)
            other = a_partnership(session, name="Bollington Partnership", slug="bollington")
            a_staff_member(session, partnership, Role.officer, "officer")
            a_staff_member(session, other, Role.chair, "otherchair")
            voting_round = a_round(session, partnership)
            proposal = Proposal(round_id=voting_round.id, title="A bench by the pond", cost=800,
                                status=ProposalStatus.submitted, proposer_name="Ann")
            session.add(proposal)
            session.flush()
            session.add(ProposalPhoto(proposal_id=proposal.id, content_type="image/png", data=PNG, sha256="x"))
            session.flush()
            path = f"/rounds/{voting_round.id}/proposals/{proposal.id}/photo"
            round_id, proposal_id = voting_round.id, proposal.id
        with TestClient(app) as anyone, TestClient(app) as officer, TestClient(app) as stranger:
            sign_in(officer, "officer")
            sign_in(stranger, "otherchair")
            assert anyone.get(path).status_code == 200  # listed and not hidden: anyone

            with db.session(write=True) as session:
                proposals_service.hide_proposal(session, CLI_ACTOR, round_id=round_id, proposal_id=proposal_id,
                                                reason="Names a private address")

            assert anyone.get(path).status_code == 404
            assert stranger.get(path).status_code == 404
            shown = officer.get(path)
            assert shown.status_code == 200 and shown.content == PNG
