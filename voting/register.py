"""The register: who may vote. Passes issued at the desk or in batches, and checked at a kiosk.

Nothing here touches the ballot box: the two share no key, time or order."""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import audit, i18n
from core.audit import Actor
from core.errors import Conflict, InvalidInput, NotFound, bounded
from core.security import keyed_hash, normalise_code, random_code
from governance import repository as governance_repo
from governance.models import Round, VoteStatus, as_utc, utcnow
from voting import repository as voting_repo
from voting.errors import (
    AlreadyHasPass,
    LikelyMatch,
    NotEligible,
    PassAlreadyUsed,
    PassVoided,
    UnknownPass,
    VoteNotOpen,
)
from voting.events import VotingEvent
from voting.models import DeskTicket, VoterPass
from voting.names import fold_postcode, likely_match_words, name_key

PASS_CODE_LENGTH = 8
# What a person could type for an 8-character code, spaces and dashes included; anything longer
# is not a pass and is refused before it is normalised or hashed.
MAX_TYPED_CODE_LENGTH = 40
# A check-in for a paper ballot sheet rather than a pass (voting/paper.py).
PAPER = "paper"
# Long enough to hand the pass over and print it; short enough that the next resident never sees it.
DESK_TICKET_MINUTES = 3


# --- the register ---------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedPass:
    code: str
    round_id: int
    pass_id: str = ""


def normalise_postcode(text: str) -> str:
    compact = fold_postcode(text)
    if not (5 <= len(compact) <= 7) or not compact[:1].isalpha() or not compact[-3].isdigit():
        raise InvalidInput(f"{bounded(text.strip(), 20) or 'That'} does not look like a UK postcode "
                           "(for example SK10 1EA).")
    return f"{compact[:-3]} {compact[-3:]}"


def postcode_in_area(postcode: str, voting_round: Round) -> bool:
    outward = postcode.split(" ")[0]
    for prefix in voting_round.postcode_prefixes:
        # "SK10" means that district exactly; "SK" means the whole postcode area.
        if outward == prefix or (prefix.isalpha() and outward.startswith(prefix) and outward[len(prefix)].isdigit()):
            return True
    return not voting_round.postcode_prefixes


def _new_pass(session: Session, voting_round: Round, *, holder_ref: str | None, channel: str,
              name_refs: tuple[str | None, str | None] = (None, None)) -> IssuedPass:
    code = random_code(PASS_CODE_LENGTH)
    pass_id = secrets.token_hex(16)
    session.add(VoterPass(id=pass_id, round_id=voting_round.id,
                          code_hash=keyed_hash(normalise_code(code)), holder_ref=holder_ref,
                          issued_on=date.today().isoformat(), channel=channel,
                          first_name_ref=name_refs[0], last_name_ref=name_refs[1]))
    return IssuedPass(code=code, round_id=voting_round.id, pass_id=pass_id)


def _check_issuing(voting_round: Round) -> None:
    if voting_round.vote_status not in (VoteStatus.draft, VoteStatus.open) or voting_round.is_closing:
        raise VoteNotOpen("Voting on this round has closed; no more passes can be issued.")


@dataclass(frozen=True)
class Resident:
    """What the steward typed, folded and hashed: the register never sees the words themselves."""

    round_id: int
    holder_ref: str
    word_refs: list[str]


def resident(voting_round: Round, name: str, postcode: str) -> Resident:
    key = name_key(name)
    if len(key) < 2:
        raise InvalidInput("Enter the resident's name.", field="name")
    try:
        postcode = normalise_postcode(postcode)
    except InvalidInput as error:
        raise InvalidInput(error.message, field="postcode") from None
    if not postcode_in_area(postcode, voting_round):
        raise NotEligible(f"{postcode} is outside this round's area ({', '.join(voting_round.postcode_prefixes)}).",
                          field="postcode")
    return Resident(round_id=voting_round.id, holder_ref=keyed_hash(f"{voting_round.id}|{key}|{postcode}"),
                    word_refs=[keyed_hash(f"{voting_round.id}|{postcode}|{word}") for word in likely_match_words(name)])


def _name_refs(who: Resident) -> tuple[str | None, str | None]:
    return (who.word_refs[0] if who.word_refs else None, who.word_refs[-1] if len(who.word_refs) > 1 else None)


def issue_pass(session: Session, actor: Actor, *, round_id: int, name: str, postcode: str,
               different_person: bool = False, paper: bool = False) -> IssuedPass:
    """The steward's check at the desk: a resident of the area gets one single-use pass.

    A likely match (same postcode, a name word in common) stops the desk until the steward says
    this is a different person; an exact match offers a reprint or a void instead.

    With `paper`, the resident is checked in the same way but takes a paper ballot sheet instead
    of a pass (voting/paper.py): the check-in is a pass on the `paper` channel whose code nobody
    ever sees, so one resident gets either a pass or a sheet, never both. Which sheet they took is
    not recorded."""
    voting_round = governance_repo.get_round(session, round_id)
    if voting_round.vote_status == VoteStatus.draft:
        raise VoteNotOpen("Voting on this round has not opened yet: passes from the desk work once the chair "
                          "opens it. Choose the round that is open.")
    _check_issuing(voting_round)
    who = resident(voting_round, name, postcode)
    existing = voting_repo.pass_for_holder(session, round_id, who.holder_ref)
    if existing is not None and existing.channel == PAPER:
        raise AlreadyHasPass("This resident has already taken a paper ballot for this round, so they cannot have "
                             "a pass or a second sheet.", can_reprint=False)
    if existing is not None:
        used = voting_repo.pass_is_used(session, existing.id)
        raise AlreadyHasPass("This resident has already voted in this round." if used else
                             "This resident already has a pass for this round. If it was lost, reprint it: the old "
                             "code stops working.", can_reprint=not used)
    if not different_person and voting_repo.passes_sharing_words(session, round_id, who.word_refs):
        raise LikelyMatch("Someone at this postcode with a similar name already has a pass. Ask whether they have "
                          "been given one today. If this is a different person, issue a pass anyway.")
    issued = _new_pass(session, voting_round, holder_ref=who.holder_ref, channel=PAPER if paper else "desk",
                       name_refs=_name_refs(who))
    try:
        session.flush()
    except IntegrityError as exc:  # the same resident, at the other end of the desk, a moment ago
        raise AlreadyHasPass("This resident already has a pass for this round.", can_reprint=False) from exc
    if paper:
        audit.append(session, actor, VotingEvent.paper_sheet_handed_out, f"round:{round_id}",
                     {"channel": PAPER, **({"likely_match_overruled": True} if different_person else {})})
        return issued
    # No name, postcode or code in the log: the register stays apart from everything else.
    audit.append(session, actor, VotingEvent.pass_issued, f"round:{round_id}",
                 {"channel": "desk", **({"likely_match_overruled": True} if different_person else {})})
    return issued


def resident_pass(session: Session, round_id: int, name: str, postcode: str) -> VoterPass:
    """The pass already issued to this resident, found again from their name and postcode."""
    voting_round = governance_repo.get_round(session, round_id)
    who = resident(voting_round, name, postcode)
    existing = voting_repo.pass_for_holder(session, round_id, who.holder_ref)
    if existing is None:
        raise NotFound("No pass was issued to this resident for this round.")
    return existing


def _check_unused(session: Session, voter_pass: VoterPass) -> Round:
    voting_round = governance_repo.get_round(session, voter_pass.round_id)
    if voter_pass.channel == PAPER:
        raise Conflict("This resident took a paper ballot: there is no pass to reprint or cancel.")
    if voter_pass.voided:
        raise Conflict("This pass was already cancelled.")
    if voting_repo.pass_is_used(session, voter_pass.id):
        raise PassAlreadyUsed("This pass has been used to vote, so it cannot be cancelled or reprinted.")
    return voting_round


def _void(session: Session, voter_pass: VoterPass) -> None:
    voter_pass.voided = True
    # The fingerprints move to the reprint (or are dropped), so a voided pass never blocks one.
    voter_pass.holder_ref = voter_pass.first_name_ref = voter_pass.last_name_ref = None
    session.add(voter_pass)
    voting_repo.delete_tickets_for_pass(session, voter_pass.id)
    session.flush()


def void_pass(session: Session, actor: Actor, voter_pass: VoterPass) -> None:
    """Cancel a pass before it is used (issued to the wrong person, or taken away unused)."""
    _check_unused(session, voter_pass)
    _void(session, voter_pass)
    audit.append(session, actor, VotingEvent.pass_voided, f"round:{voter_pass.round_id}", {"channel": "desk"})


def reprint_pass(session: Session, actor: Actor, voter_pass: VoterPass) -> IssuedPass:
    """A new code for the same resident; the old one stops working. Only while it is unused."""
    voting_round = _check_unused(session, voter_pass)
    _check_issuing(voting_round)
    holder_ref, refs = voter_pass.holder_ref, (voter_pass.first_name_ref, voter_pass.last_name_ref)
    _void(session, voter_pass)
    issued = _new_pass(session, voting_round, holder_ref=holder_ref, channel=voter_pass.channel, name_refs=refs)
    session.flush()
    audit.append(session, actor, VotingEvent.pass_reprinted, f"round:{voter_pass.round_id}",
                 {"channel": voter_pass.channel})
    return issued


# --- the pass on the desk screen, for a few minutes -----------------------------------------

def put_on_desk(session: Session, issued: IssuedPass, staff_id: int) -> str:
    """Keep the new code for the steward who issued it; the token goes in the address, not the code."""
    voting_repo.delete_stale_tickets(session, staff_id, utcnow())
    token = secrets.token_urlsafe(18)
    session.add(DeskTicket(token_hash=keyed_hash(token), round_id=issued.round_id, pass_id=issued.pass_id,
                           code=issued.code, staff_id=staff_id,
                           expires_at=utcnow() + timedelta(minutes=DESK_TICKET_MINUTES)))
    return token


def desk_ticket(session: Session, token: str, staff_id: int) -> DeskTicket:
    ticket = session.get(DeskTicket, keyed_hash(token))
    if ticket is None or ticket.staff_id != staff_id or as_utc(ticket.expires_at) <= utcnow():
        raise NotFound("That pass is no longer shown on the desk. If the resident did not get it, check them "
                       "again: the desk offers a reprint.")
    return ticket


def clear_desk(session: Session, token: str, staff_id: int) -> None:
    ticket = session.get(DeskTicket, keyed_hash(token))
    if ticket is not None and ticket.staff_id == staff_id:
        session.delete(ticket)
    voting_repo.delete_stale_tickets(session, staff_id, utcnow())


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


def check_code_shape(code: str) -> None:
    """Cheap checks that need no database, done before any lock is taken."""
    if len(code) > MAX_TYPED_CODE_LENGTH:
        raise UnknownPass(i18n.gettext("We do not recognise this pass code. Check it and try again, or ask a steward."))


def find_pass(session: Session, code: str) -> VoterPass:
    check_code_shape(code)
    normalised = normalise_code(code)
    if not normalised:
        raise UnknownPass(i18n.gettext("Enter the code printed on your voter pass."))
    voter_pass = voting_repo.pass_by_code_hash(session, keyed_hash(normalised))
    if voter_pass is None:
        raise UnknownPass(i18n.gettext("We do not recognise this pass code. Check it and try again, or ask a steward."))
    return voter_pass


def check_pass(session: Session, code: str) -> tuple[Round, VoterPass]:
    """The pass a kiosk was given: known, unused, for a round that is open.

    While the vote closes, only a ballot already started (its pass opened at a kiosk) may go on."""
    voter_pass = find_pass(session, code)
    voting_round = governance_repo.get_round(session, voter_pass.round_id)
    if voter_pass.channel == PAPER:  # its code was never shown; a sheet is entered by stewards instead
        raise UnknownPass(i18n.gettext("We do not recognise this pass code. Check it and try again, or ask a steward."))
    if voter_pass.voided:
        raise PassVoided(i18n.gettext("This pass was cancelled at the desk. Ask a steward for a new one."))
    if voting_repo.pass_is_used(session, voter_pass.id):
        raise PassAlreadyUsed(i18n.gettext("This pass has already been used."))
    if not voting_round.accepts_votes:
        raise VoteNotOpen(i18n.gettext("Voting is not open for this round."))
    if voting_round.is_closing:
        if as_utc(voting_round.closing_deadline) <= utcnow():
            raise VoteNotOpen(i18n.gettext("Voting is not open for this round: it has closed."))
        if voter_pass.opened_at is None:
            raise VoteNotOpen(i18n.gettext("Voting is not open for this round: it is closing. Ballots already "
                                           "started can be finished, but no new ballot can start."))
    return voting_round, voter_pass


def mark_opened(session: Session, code: str) -> None:
    """A kiosk showed this pass's ballot: it now counts as in progress if the vote closes.

    To the minute only, and cleared at close, so the register keeps no fine time."""
    _, voter_pass = check_pass(session, code)
    if voter_pass.opened_at is None:
        voter_pass.opened_at = utcnow().replace(second=0, microsecond=0)
        session.add(voter_pass)




def forget_holders(session: Session, round_id: int) -> dict[str, int]:
    """Purge the register of a finished round to counts: the keyed fingerprints of each holder's
    name and postcode (the whole and the likely-match ones) are cleared, so nobody can later
    confirm that a given person had a pass. Returns how many passes each channel issued."""
    counts: dict[str, int] = {}
    for voter_pass in voting_repo.passes_of(session, round_id):
        counts[voter_pass.channel] = counts.get(voter_pass.channel, 0) + 1
        if (voter_pass.holder_ref, voter_pass.first_name_ref, voter_pass.last_name_ref) != (None, None, None):
            voter_pass.holder_ref = voter_pass.first_name_ref = voter_pass.last_name_ref = None
            session.add(voter_pass)
    session.flush()
    return counts
