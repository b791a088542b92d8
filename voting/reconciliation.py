"""The event's reconciliation sheet: passes issued and used against ballots in the box, by channel.

At close the chair signs it off; results cannot be certified before. The figures are counts only
(passes by how they were issued, ballots by channel, paper sheets by what became of them): nothing
on the sheet ties a pass or a sheet to a ballot. Passes and paper sheets do not record which desk
or steward issued them (a desk next to a quiet moment's ballots would narrow who cast them), so
the sheet is per issuing channel (desk, printed batch, paper), not per desk."""

import json

from sqlmodel import Session

from core import audit
from core.audit import Actor, canonical_json
from core.errors import Conflict
from governance import repository as governance_repo
from governance.models import VoteStatus
from voting import paper
from voting import repository as voting_repo
from voting.events import VotingEvent
from voting.models import Channel, Reconciliation
from voting.register import PAPER


def sheet(session: Session, round_id: int) -> dict:
    """The figures as they stand now, and whether they add up."""
    passes = voting_repo.passes_of(session, round_id)
    issued = {"desk": 0, "batch": 0}
    voided = 0
    for voter_pass in passes:
        if voter_pass.channel == PAPER:  # a check-in for a paper sheet, counted in the paper rows
            continue
        if voter_pass.voided:
            voided += 1
        else:
            issued[voter_pass.channel] = issued.get(voter_pass.channel, 0) + 1
    used = voting_repo.spent_passes(session, round_id)
    ballots = voting_repo.ballot_count(session, round_id)
    counts = voting_repo.channel_counts(session, round_id)
    by_channel = {channel.value: counts.get(channel.value, 0) for channel in Channel}
    sheets = paper.figures(session, round_id)
    problems = []
    if used + sheets["counted"] != ballots:
        problems.append(f"{used} passes were used and {sheets['counted']} paper sheets counted, but the box holds "
                        f"{ballots} ballots.")
    if counts and by_channel[Channel.paper.value] != sheets["counted"]:
        problems.append(f"{by_channel[Channel.paper.value]} ballots came on paper, but {sheets['counted']} paper "
                        "sheets were counted.")
    if sheets["unsettled"]:
        problems.append(f"{sheets['unsettled']} paper sheet(s) are entered once only or mismatched, held out of the "
                        "count.")
    if sheets["entered"] > sheets["handed_out"]:
        problems.append(f"{sheets['entered']} paper sheets were entered, more than the {sheets['handed_out']} the "
                        "desk handed out.")
    if counts and sum(by_channel.values()) != ballots:
        problems.append(f"The channels add up to {sum(by_channel.values())} ballots, the box holds {ballots}.")
    if used > sum(issued.values()):
        problems.append(f"{used} passes were used, more than the {sum(issued.values())} issued.")
    return {"passes_issued": issued, "passes_voided": voided, "passes_issued_total": sum(issued.values()),
            "passes_used": used, "passes_unused": sum(issued.values()) - used, "ballots_in_box": ballots,
            "ballots_by_channel": by_channel, "paper": sheets, "channels_recorded": bool(counts),
            "adds_up": not problems,
            "problems": problems}


def signed_sheet(session: Session, round_id: int) -> Reconciliation | None:
    return session.get(Reconciliation, round_id)


def figures_of(record: Reconciliation) -> dict:
    return json.loads(record.figures)


def sign_off(session: Session, actor: Actor, round_id: int, *, name: str) -> Reconciliation:
    """The chair signs the sheet off once voting has closed; a sheet that does not add up is refused."""
    voting_round = governance_repo.get_round(session, round_id, for_update=True)
    if voting_round.vote_status not in (VoteStatus.closed, VoteStatus.published):
        raise Conflict(f"The reconciliation sheet is signed off once voting has closed; it is "
                       f"{voting_round.vote_status}.")
    if signed_sheet(session, round_id) is not None:
        raise Conflict("The reconciliation sheet is already signed off.")
    figures = sheet(session, round_id)
    if not figures["adds_up"]:
        raise Conflict("The sheet does not add up: " + " ".join(figures["problems"]))
    record = Reconciliation(round_id=round_id, figures=canonical_json(figures), signed_by=actor.ref,
                            signed_by_name=name)
    session.add(record)
    session.flush()
    audit.append(session, actor, VotingEvent.reconciliation_signed, f"round:{round_id}", {
        k: figures[k] for k in ("passes_issued", "passes_voided", "passes_used", "ballots_in_box",
                                "ballots_by_channel", "paper")})
    return record
