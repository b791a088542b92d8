"""The register: who may vote. Passes issued at the desk or in batches, and checked at a kiosk.

Nothing here touches the ballot box: the two share no key, time or order."""

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import audit
from core.audit import Actor
from core.errors import Conflict, InvalidInput
from core.security import keyed_hash, normalise_code, random_code
from governance import repository as governance_repo
from governance.models import Round, VoteStatus
from voting import repository as voting_repo
from voting.errors import NotEligible, PassAlreadyUsed, UnknownPass, VoteNotOpen
from voting.events import VotingEvent
from voting.models import VoterPass

PASS_CODE_LENGTH = 8


# --- the register ---------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedPass:
    code: str
    round_id: int


def normalise_postcode(text: str) -> str:
    compact = "".join(text.upper().split())
    if not (5 <= len(compact) <= 7) or not compact[:1].isalpha() or not compact[-3].isdigit():
        raise InvalidInput(f"{text.strip() or 'That'} does not look like a UK postcode (for example SK10 1EA).")
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_in_area(postcode: str, voting_round: Round) -> bool:
    outward = postcode.split(" ")[0]
    for prefix in voting_round.postcode_prefixes:
        # "SK10" means that district exactly; "SK" means the whole postcode area.
        if outward == prefix or (prefix.isalpha() and outward.startswith(prefix) and outward[len(prefix)].isdigit()):
            return True
    return not voting_round.postcode_prefixes


def _new_pass(session: Session, voting_round: Round, *, holder_ref: str | None, channel: str) -> IssuedPass:
    code = random_code(PASS_CODE_LENGTH)
    session.add(VoterPass(id=secrets.token_hex(16), round_id=voting_round.id,
                          code_hash=keyed_hash(normalise_code(code)), holder_ref=holder_ref,
                          issued_on=date.today().isoformat(), channel=channel))
    return IssuedPass(code=code, round_id=voting_round.id)


def _check_issuing(voting_round: Round) -> None:
    if voting_round.vote_status not in (VoteStatus.draft, VoteStatus.open):
        raise VoteNotOpen("Voting on this round has closed; no more passes can be issued.")


def issue_pass(session: Session, actor: Actor, *, round_id: int, name: str, postcode: str) -> IssuedPass:
    """The steward's check at the desk: a resident of the area gets one single-use pass."""
    voting_round = governance_repo.get_round(session, round_id)
    _check_issuing(voting_round)
    if len(name.strip()) < 2:
        raise InvalidInput("Enter the resident's name.")
    postcode = normalise_postcode(postcode)
    if not postcode_in_area(postcode, voting_round):
        raise NotEligible(f"{postcode} is outside this round's area ({', '.join(voting_round.postcode_prefixes)}).")
    holder_ref = keyed_hash(f"{round_id}|{' '.join(name.lower().split())}|{postcode}")
    if voting_repo.pass_for_holder(session, round_id, holder_ref) is not None:
        raise Conflict("This resident already has a pass for this round.")
    issued = _new_pass(session, voting_round, holder_ref=holder_ref, channel="desk")
    try:
        session.flush()
    except IntegrityError as exc:  # the same resident, at the other end of the desk, a moment ago
        raise Conflict("This resident already has a pass for this round.") from exc
    # No name, postcode or code in the log: the register stays apart from everything else.
    audit.append(session, actor, VotingEvent.pass_issued, f"round:{round_id}", {"channel": "desk"})
    return issued


def issue_passes(session: Session, actor: Actor, *, round_id: int, count: int) -> list[IssuedPass]:
    """Passes printed in advance (posted to households or handed out at the door)."""
    if not 1 <= count <= 10_000:
        raise InvalidInput("Issue between 1 and 10,000 passes at a time.")
    voting_round = governance_repo.get_round(session, round_id)
    _check_issuing(voting_round)
    issued = [_new_pass(session, voting_round, holder_ref=None, channel="batch") for _ in range(count)]
    session.flush()
    audit.append(session, actor, VotingEvent.passes_issued, f"round:{round_id}", {"count": count})
    return issued


def find_pass(session: Session, code: str) -> VoterPass:
    normalised = normalise_code(code)
    if not normalised:
        raise UnknownPass("Enter the code printed on your voter pass.")
    voter_pass = voting_repo.pass_by_code_hash(session, keyed_hash(normalised))
    if voter_pass is None:
        raise UnknownPass("We do not recognise this pass code. Check it and try again, or ask a steward.")
    return voter_pass


def check_pass(session: Session, code: str) -> tuple[Round, VoterPass]:
    """The pass a kiosk was given: known, unused, for a round that is open."""
    voter_pass = find_pass(session, code)
    voting_round = governance_repo.get_round(session, voter_pass.round_id)
    if voting_repo.pass_is_used(session, voter_pass.id):
        raise PassAlreadyUsed("This pass has already been used.")
    if not voting_round.accepts_votes:
        raise VoteNotOpen("Voting is not open for this round.")
    return voting_round, voter_pass




def forget_holders(session: Session, round_id: int) -> dict[str, int]:
    """Purge the register of a finished round to counts: the keyed fingerprint of each holder's
    name and postcode is cleared, so nobody can later confirm that a given person had a pass.
    Returns how many passes each channel issued."""
    counts: dict[str, int] = {}
    for voter_pass in voting_repo.passes_of(session, round_id):
        counts[voter_pass.channel] = counts.get(voter_pass.channel, 0) + 1
        if voter_pass.holder_ref is not None:
            voter_pass.holder_ref = None
            session.add(voter_pass)
    session.flush()
    return counts
