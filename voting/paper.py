"""Paper ballots: sheets printed with a number, handed out at the desk, entered twice by stewards.

How an event runs paper is in docs/paper-ballots.md. The rules:
- A sheet number is six random characters and two check characters keyed with the server's
  secret, so a mistyped number (or one made up) is refused, and numbers need no table: the print
  page makes fresh ones. The desk hands a sheet to a checked-in resident without recording which.
- Each sheet is entered by two different stewards. Two entries alike settle it: its marks go into
  the ballot box on the `paper` channel through the same box and log as every other ballot
  (batched, shuffled, sealed), with no pass to spend and a receipt nobody holds. Entries that
  differ hold the sheet out of the count until a third steward's entry agrees with one of them,
  or the chair decides. A sheet both stewards call spoilt is recorded as spoilt, with the reason.
- The marks are a ballot: they never enter the public log, and an entry's marks are cleared once
  its sheet is settled, so only the ballot box holds them, apart from any sheet number.
- The vote cannot close while a sheet is entered once only or mismatched.
"""

import json
import secrets
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from core import audit
from core.audit import VOTER, Actor, canonical_json
from core.errors import Conflict, InvalidInput, NotFound, bounded
from core.security import CODE_ALPHABET, keyed_hash, normalise_code, random_code
from governance import repository as governance_repo
from governance.models import Role, Round
from proposals import repository as proposals_repo
from voting import ballots, box
from voting import repository as voting_repo
from voting.ballots import BallotChoices
from voting.errors import VoteNotOpen
from voting.events import VotingEvent
from voting.models import Channel, PaperEntry, PaperSheet, VoterPass
from voting.register import PAPER

# Stewards and the chair enter sheets; officers run the desk but do not enter ballots.
ENTERS_PAPER = frozenset({Role.steward, Role.chair})
BODY_LENGTH = 6
CHECK_LENGTH = 2
TRACKING_CODE_LENGTH = 10
MAX_REASON_LENGTH = 200

ENTERED_ONCE = "entered_once"
MISMATCHED = "mismatched"
COUNTED = "counted"
SPOILT = "spoilt"
UNSETTLED = (ENTERED_ONCE, MISMATCHED)


# --- sheet numbers ------------------------------------------------------------------------------

def _check_characters(round_id: int, body: str) -> str:
    digest = keyed_hash(f"paper-sheet|{round_id}|{body}")
    return "".join(CODE_ALPHABET[int(digest[8 * i: 8 * i + 8], 16) % len(CODE_ALPHABET)]
                   for i in range(CHECK_LENGTH))


def _shown(raw: str) -> str:
    return f"{raw[:4]}-{raw[4:]}"


def new_sheet_numbers(round_id: int, count: int) -> list[str]:
    if not 1 <= count <= 500:
        raise InvalidInput("Print between 1 and 500 sheets at a time.", field="count")
    numbers = []
    for _ in range(count):
        body = random_code(BODY_LENGTH, group=BODY_LENGTH)
        numbers.append(_shown(body + _check_characters(round_id, body)))
    return numbers


def read_sheet_number(round_id: int, typed: str) -> str:
    """The sheet number as printed, or a clear refusal: a typo or a number from another round."""
    raw = normalise_code(typed[:40])
    if not raw:
        raise InvalidInput("Enter the sheet number printed at the top of the paper ballot.", field="sheet")
    body, check = raw[:BODY_LENGTH], raw[BODY_LENGTH:]
    if len(raw) != BODY_LENGTH + CHECK_LENGTH or check != _check_characters(round_id, body):
        raise InvalidInput(f"{bounded(typed.strip(), 20)} is not a sheet number printed for this round. Check it "
                           "against the paper (eight letters and digits, for example K7MQ-3XP9).", field="sheet")
    return _shown(raw)


# --- the ballot box ------------------------------------------------------------------------------

def _cast_paper_ballot(session: Session, round_id: int, content: dict) -> None:
    """A settled sheet goes into the box like any ballot: pending, then batched and shuffled.

    There is no pass to spend; its receipt's tracking code is made and kept by nobody, so the
    box's counts (ballots = receipts = ballots cast) hold as for every other ballot."""
    voting_repo.record_ballot(
        session, pass_id=None,
        ballot={"id": secrets.token_hex(16), "round_id": round_id, "nonce": secrets.token_hex(16),
                "choices": canonical_json(content)},
        receipt={"tracking_code": random_code(TRACKING_CODE_LENGTH, group=5), "round_id": round_id},
        idempotency=None)
    voting_repo.count_ballot_channel(session, round_id, Channel.paper)
    counted = box.record_cast(session, round_id)
    # "paper" tells `audit verify` this ballot spent no pass; nothing else about it is logged.
    audit.append(session, VOTER, VotingEvent.ballot_cast, f"round:{round_id}",
                 {"ballots": counted.cast, "channel": PAPER})
    box.batch_if_due(session, round_id, counted.pending)


# --- entering sheets -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Entered:
    number: str
    status: str        # the sheet's status after this entry
    entry: int         # 1 for the first entry of the sheet, 2 for the second ...


def _entries(session: Session, round_id: int, number: str) -> list[PaperEntry]:
    return list(session.exec(select(PaperEntry).where(PaperEntry.round_id == round_id, PaperEntry.number == number)
                             .order_by(PaperEntry.id)))


def sheets_handed_out(session: Session, round_id: int) -> int:
    return session.exec(select(func.count()).select_from(VoterPass).where(
        VoterPass.round_id == round_id, VoterPass.channel == PAPER, col(VoterPass.voided).is_(False))).one()


def _sheets(session: Session, round_id: int) -> list[PaperSheet]:
    return list(session.exec(select(PaperSheet).where(PaperSheet.round_id == round_id).order_by(PaperSheet.number)))


def _check_open(voting_round: Round) -> None:
    if not voting_round.accepts_votes:
        state = "has not opened yet" if voting_round.vote_status == "draft" else "has closed"
        raise VoteNotOpen(f"Paper ballots are entered while voting is open; voting on this round {state}.")
    if voting_round.is_closing:
        raise VoteNotOpen("Voting on this round is closing: paper sheets can no longer be entered.")


def enter_sheet(session: Session, actor: Actor, *, round_id: int, name: str, sheet: str,
                choices: BallotChoices | None, spoilt_reason: str | None = None) -> Entered:
    """One steward's entry of one sheet: its marks (`choices`), or that it is spoilt and why."""
    voting_round = governance_repo.get_round(session, round_id, for_update=True)  # one entry at a time per round
    _check_open(voting_round)
    number = read_sheet_number(round_id, sheet)
    record = session.get(PaperSheet, (round_id, number))
    if record is not None and record.status == COUNTED:
        raise Conflict(f"Sheet {number} is already counted: it is in the ballot box and cannot be entered again.",
                       field="sheet")
    if record is not None and record.status == SPOILT:
        raise Conflict(f"Sheet {number} is already recorded as spoilt ({record.spoilt_reason}).", field="sheet")
    earlier = _entries(session, round_id, number)
    if any(e.keyed_by == actor.ref for e in earlier):
        raise Conflict(f"You have already entered sheet {number}. A different steward must enter it the second "
                       "time, so that a slip by one person is caught.", field="sheet")
    if record is None:
        handed_out = sheets_handed_out(session, round_id)
        if len(_sheets(session, round_id)) >= handed_out:
            raise Conflict(f"The desk has handed out {handed_out} paper sheet(s) and {handed_out} have been entered "
                           "already: a sheet not handed out at the desk cannot be counted. Check the number, or ask "
                           "the desk to check the resident in for paper.", field="sheet")
    if spoilt_reason is not None:
        reason = " ".join(spoilt_reason.split())
        if not reason:
            raise InvalidInput("Say why the sheet is spoilt (for example: two projects marked in the same place, or "
                               "the voter wrote their name).", field="reason")
        if len(reason) > MAX_REASON_LENGTH:
            raise InvalidInput(f"Keep the reason under {MAX_REASON_LENGTH} characters.", field="reason")
        entry = PaperEntry(round_id=round_id, number=number, keyed_by=actor.ref, keyed_by_name=name,
                           spoilt=True, spoilt_reason=reason)
    else:
        # The kiosk's own check, so a steward sees the same words a voter would.
        content = ballots.validate(voting_round, proposals_repo.on_ballot(session, round_id), choices)
        entry = PaperEntry(round_id=round_id, number=number, keyed_by=actor.ref, keyed_by_name=name,
                           marks=canonical_json(content))
    session.add(entry)
    if record is None:
        record = PaperSheet(round_id=round_id, number=number, status=ENTERED_ONCE)
    session.add(record)
    session.flush()
    audit.append(session, actor, VotingEvent.paper_sheet_entered, f"round:{round_id}",
                 {"sheet": number, "entry": len(earlier) + 1})
    agreeing = next((e for e in earlier if e.spoilt == entry.spoilt and e.marks == entry.marks), None)
    if agreeing is not None:
        _settle(session, actor, record, agreeing, decided=False)
    elif earlier:
        if record.status != MISMATCHED:
            audit.append(session, actor, VotingEvent.paper_sheet_mismatched, f"round:{round_id}", {"sheet": number})
        record.status = MISMATCHED
        session.add(record)
    return Entered(number=number, status=record.status, entry=len(earlier) + 1)


def _settle(session: Session, actor: Actor, record: PaperSheet, chosen: PaperEntry, *, decided: bool) -> None:
    round_id, number = record.round_id, record.number
    if chosen.spoilt:
        record.status, record.spoilt_reason = SPOILT, chosen.spoilt_reason
        action = VotingEvent.paper_sheet_spoilt
    else:
        _cast_paper_ballot(session, round_id, json.loads(chosen.marks))
        record.status = COUNTED
        action = VotingEvent.paper_sheet_counted
    if decided:
        record.decided_by = actor.ref
    session.add(record)
    # The marks now live in the ballot box only: no sheet number stays beside them.
    for entry in _entries(session, round_id, number):
        entry.marks = None
        session.add(entry)
    session.flush()
    # The reason is the steward's own words and may name someone: it stays on staff pages.
    audit.append(session, actor, action, f"round:{round_id}",
                 {"sheet": number, "settled_by": "decision" if decided else "entries"})


def decide_sheet(session: Session, actor: Actor, *, round_id: int, sheet: str, entry_id: int | None,
                 spoilt_reason: str | None = None) -> PaperSheet:
    """The chair settles a mismatched sheet, having looked at the paper: count one entry as it
    was keyed, or record the sheet as spoilt."""
    voting_round = governance_repo.get_round(session, round_id, for_update=True)
    _check_open(voting_round)
    number = read_sheet_number(round_id, sheet)
    record = session.get(PaperSheet, (round_id, number))
    if record is None or record.status != MISMATCHED:
        raise Conflict(f"Sheet {number} is not waiting for a decision"
                       f"{'' if record is None else ': it is ' + WORDS[record.status]}.")
    entries = _entries(session, round_id, number)
    if entry_id is None:
        reason = " ".join((spoilt_reason or "").split())
        if not reason or len(reason) > MAX_REASON_LENGTH:
            raise InvalidInput("Say why the sheet is spoilt, in under 200 characters.", field="reason")
        chosen = PaperEntry(round_id=round_id, number=number, keyed_by=actor.ref, keyed_by_name="",
                            spoilt=True, spoilt_reason=f"{reason} (decided by the chair)")
    else:
        chosen = next((e for e in entries if e.id == entry_id), None)
        if chosen is None:
            raise NotFound(f"That entry is not one of sheet {number}'s.")
    _settle(session, actor, record, chosen, decided=True)
    return record


# --- what the pages and the closing need ---------------------------------------------------------

WORDS = {ENTERED_ONCE: "entered once, waiting for a second steward", MISMATCHED: "entered twice with different marks",
         COUNTED: "counted", SPOILT: "spoilt"}


def unsettled(session: Session, round_id: int) -> list[PaperSheet]:
    return [s for s in _sheets(session, round_id) if s.status in UNSETTLED]


def refuse_if_unsettled(session: Session, round_id: int) -> None:
    """Voting cannot close while a sheet is held out of the count: it would never be counted."""
    waiting = unsettled(session, round_id)
    if waiting:
        listed = "; ".join(f"sheet {s.number} ({WORDS[s.status]})" for s in waiting)
        raise Conflict(f"Voting cannot close while paper sheets are not settled: {listed}. Enter each one a second "
                       "time (a different steward), or settle the mismatched ones on the paper ballots page.")


@dataclass
class SheetView:
    number: str
    status: str
    words: str
    spoilt_reason: str | None
    decided: bool
    keyed_by: list[str]
    entries: list[PaperEntry]


def overview(session: Session, round_id: int) -> list[SheetView]:
    entries: dict[str, list[PaperEntry]] = {}
    for entry in session.exec(select(PaperEntry).where(PaperEntry.round_id == round_id).order_by(PaperEntry.id)):
        entries.setdefault(entry.number, []).append(entry)
    return [SheetView(number=s.number, status=s.status, words=WORDS[s.status], spoilt_reason=s.spoilt_reason,
                      decided=s.decided_by is not None, keyed_by=[e.keyed_by_name for e in entries.get(s.number, [])],
                      entries=entries.get(s.number, []))
            for s in _sheets(session, round_id)]


def figures(session: Session, round_id: int) -> dict:
    """The paper rows of the reconciliation sheet."""
    sheets = _sheets(session, round_id)
    by_status = {status: sum(1 for s in sheets if s.status == status) for status in WORDS}
    handed_out = sheets_handed_out(session, round_id)
    return {"handed_out": handed_out, "entered": len(sheets), "counted": by_status[COUNTED],
            "spoilt": by_status[SPOILT], "unsettled": by_status[ENTERED_ONCE] + by_status[MISMATCHED],
            "not_returned": handed_out - len(sheets)}
