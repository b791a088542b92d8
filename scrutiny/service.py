"""Scrutiny rules: how the trail is shown, who sees what, queries to the chair, and the purge of
registers once their retention period is over."""

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from core import audit
from core.audit import Actor, AuditEvent
from core.errors import Conflict, InvalidInput, NotFound
from core.i18n import N_
from core.numbers import id_or_none
from governance import repository as governance_repo
from governance.models import StaffAccount, VoteStatus
from scrutiny import repository
from scrutiny.events import ScrutinyEvent
from scrutiny.models import Query, RegisterPurge
from voting import certification, register
from voting import repository as voting_repo

PAGE_SIZE = 50

# Plain words for residents (marked for translation; pages translate them as they render); an action
# not listed here is shown by its own name.
ACTION_LABELS = {
    "partnership.created": N_("Partnership set up"),
    "staff.created": N_("Staff account created"),
    "staff.locked": N_("Staff account locked after wrong passwords"),
    "staff.signed_in": N_("Staff member signed in"),
    "member.added": N_("Role given to a staff member"),
    "round.created": N_("Round created"),
    "round.phase_changed": N_("Round moved to its next step"),
    "round.ballot_settings_changed": N_("Ballot settings changed"),
    "proposal.submitted": N_("Proposal put forward"),
    "proposal.withdrawn": N_("Proposal withdrawn"),
    "vote.opened": N_("Voting opened"),
    "vote.closed": N_("Voting closed"),
    "pass.issued": N_("Voter pass given out at the desk"),
    "passes.issued": N_("Voter passes printed"),
    "ballot.cast": N_("A ballot was cast"),
    "ballots.batched": N_("A batch of ballots entered the log"),
    "ballot_box.sealed": N_("Ballot box sealed"),
    "results.revealed": N_("Results revealed"),
    "results.published": N_("Results published"),
    "reconciliation.signed": N_("Event reconciliation sheet signed off"),
    "results.certified": N_("Results certified by the chair"),
    "results.certification_confirmed": N_("Results certification confirmed"),
    "checkpoint.signed": N_("Log signed (checkpoint)"),
    "query.raised": N_("Scrutiny query raised"),
    "query.answered": N_("Scrutiny query answered"),
    "register.purged": N_("Register of passes reduced to counts"),
    "grant.awarded": N_("Grant awarded"),
    "spend.recorded": N_("Spending recorded"),
    "spend.withdrawn": N_("A spending entry withdrawn by an officer"),
    "grant.underspend_returned": N_("Underspend returned to the next round"),
    "spend.over_grant_allowed": N_("Spending beyond the grant allowed by an officer"),
    "milestone.added": N_("Project milestone added"),
    "output.reported": N_("Project output reported"),
    "outcome.estimated": N_("Estimated outcome added"),
    "decision.recorded": N_("Partnership decision recorded"),
    "decision.called_in": N_("Decision called in by scrutiny"),
    "decision.reconsidered": N_("Called-in decision reconsidered"),
    "vote.checkpointed": N_("Voting still open: hourly signed checkpoint"),
    "meeting.scheduled": N_("Partnership meeting added"),
    "meeting.changed": N_("Meeting attendance recorded"),
    "minutes.drafted": N_("Meeting minutes drafted"),
    "minutes.changed": N_("Draft minutes changed"),
    "minutes.approved": N_("Meeting minutes approved"),
    "staff.invited": N_("Staff member invited"),
    "staff.invitation_accepted": N_("Staff invitation accepted"),
    "member.removed": N_("Role taken from a staff member"),
    "staff.unlocked": N_("Staff account unlocked"),
    "staff.deactivated": N_("Staff account deactivated"),
    "comment.posted": N_("Comment posted"),
    "milestone.done": N_("Project milestone reached"),
    "moderation.comment_hidden": N_("Comment hidden by a moderator"),
    "moderation.comment_restored": N_("Comment shown again"),
    "pass.reprinted": N_("Voter pass reprinted"),
    "pass.voided": N_("Voter pass cancelled"),
    "priorities.ranked": N_("Priorities ranked"),
    "proposal.costs_adjusted": N_("Proposal costs adjusted by an officer"),
    "proposal.drafted": N_("Proposal draft saved"),
    "proposal.edited": N_("Proposal changed"),
    "proposal.hidden": N_("Proposal hidden by a moderator"),
    "proposal.merged": N_("Proposals merged"),
    "proposal.message_posted": N_("Message about a proposal"),
    "proposal.placed_on_ballot": N_("Proposal placed on the ballot"),
    "proposal.reviewed": N_("Proposal reviewed"),
    "proposal.unhidden": N_("Proposal shown again"),
    "proposal.unmerged": N_("Merged proposals separated again"),
    "round.archived": N_("Round archived"),
    "round.details_changed": N_("Round details changed"),
    "round.restored": N_("Round restored"),
    "round.timeline_changed": N_("Round dates planned"),
    "sign_in.throttled": N_("Sign-in paused after wrong passwords"),
    "paper.sheet_handed_out": N_("Paper ballot sheet given out at the desk"),
    "paper.sheet_entered": N_("Paper ballot sheet entered"),
    "paper.sheet_mismatched": N_("Paper ballot sheet entered twice with different marks"),
    "paper.sheet_counted": N_("Paper ballot sheet counted"),
    "paper.sheet_spoilt": N_("Paper ballot sheet recorded as spoilt"),
    "signin.account_created": N_("Resident account created"),
    "signin.link_sent": N_("Sign-in link sent"),
    "signin.resident_renamed": N_("Resident changed their name"),
    "signin.resident_signed_in": N_("Resident signed in"),
    "signin.resident_signed_out": N_("Resident signed out"),
    "staff.signed_out": N_("Staff member signed out"),
    "vote.closing": N_("Voting closing: ballots in progress may finish"),
    "voting_point.locked": N_("Voting point paused after wrong codes"),
    "voting_point.unlocked": N_("Voting point unpaused"),
    "recipient_link.issued": N_("Link sent to a grant's recipient organisation"),
    "recipient_link.revoked": N_("Recipient organisation's link revoked"),
    "project_photo.added": N_("Photo of a funded project added"),
    "project_photo.shown": N_("Photo of a funded project put on its public page"),
    "project_photo.removed": N_("Photo of a funded project removed"),
}

ROLE_LABELS = {
    "chair": N_("Chair"), "member": N_("Partnership member"), "officer": N_("Officer"), "steward": N_("Steward"),
    "scrutiny": N_("Scrutiny member"), "admin": N_("Administrator"), "operator": N_("Operator (command line)"),
    "system": N_("The system"), "voter": N_("A voter"), "staff": N_("Staff member"),
    "resident": N_("Resident"),
    # Whoever holds a grant's link: the organisation, never a person's name.
    "recipient": N_("Recipient organisation"),
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or action.replace(".", " ").replace("_", " ").capitalize()


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role.capitalize())


def staff_id_of(ref: str) -> int | None:
    """The staff account an actor reference names ("staff:7", as governance.permissions makes them)."""
    kind, _, number = ref.partition(":")
    return id_or_none(number) if kind == "staff" else None


def public_key_b64() -> str:
    return base64.b64encode(bytes.fromhex(audit.public_key_hex(audit.signing_key()))).decode()


# --- showing entries -----------------------------------------------------------------------------

@dataclass
class ShownEntry:
    """An entry as a person reads it: what happened, who did it (a role and a staff name, never a
    voter), what it was about, the facts it recorded, and the hashes that chain it."""

    entry: AuditEvent
    label: str
    who: str
    subject_link: str | None
    subject_title: str | None
    facts: list[tuple[str, str]]
    checkpoint: Any = None
    queries: list[Query] = field(default_factory=list)
    role_word: str = ""  # who, as a role in plain words (translated by the page) ...
    name: str = ""       # ... and the staff member's name, if a staff member

    @property
    def seq(self) -> int:
        return self.entry.seq


def subject_link(subject: str) -> str | None:
    kind, _, number = subject.partition(":")
    if id_or_none(number) is None:
        return None
    return {"round": f"/rounds/{number}", "proposal": f"/audit?subject=proposal:{number}",
            "grant": f"/projects/{number}",
            "query": f"/audit/queries#query-{number}", "decision": f"/decisions/{number}"}.get(kind)


def _fact(value: Any) -> str:
    if isinstance(value, list):
        if all(isinstance(v, str | int) for v in value):
            return ", ".join(str(v) for v in value) if len(value) <= 12 else f"{len(value)} items"
        return f"{len(value)} items"
    if isinstance(value, dict):
        return f"{len(value)} items"
    if value is None:
        return "none"
    return str(value)


def facts_of(payload_text: str) -> list[tuple[str, str]]:
    try:
        payload = json.loads(payload_text)
    except ValueError:
        return [("payload", payload_text)]
    if not isinstance(payload, dict):
        return [("payload", _fact(payload))]
    return [(key.replace("_", " "), _fact(value)) for key, value in sorted(payload.items())]


def show(session: Session, entries: list[AuditEvent]) -> list[ShownEntry]:
    staff_ids = {i for i in (staff_id_of(e.actor_ref) for e in entries) if i is not None}
    names = repository.staff_names(session, staff_ids)
    marks = {c.seq: c for c in repository.checkpoints(session, [e.seq for e in entries])}
    titles = repository.titles(session, {e.subject for e in entries})
    shown = []
    for e in entries:
        who = role_label(e.actor_role)
        staff_id = staff_id_of(e.actor_ref)
        if staff_id is not None and staff_id in names:
            who = f"{who}: {names[staff_id]}"
        shown.append(ShownEntry(entry=e, label=action_label(e.action), who=who, role_word=role_label(e.actor_role),
                                name=names.get(staff_id, "") if staff_id is not None else "",
                                subject_link=subject_link(e.subject), subject_title=titles.get(e.subject),
                                facts=facts_of(e.payload), checkpoint=marks.get(e.seq)))
    return shown


def entry_page(session: Session, seq: int, *, with_staff_trail: bool) -> ShownEntry:
    found = repository.entry(session, seq)
    if found is None or (repository.is_staff_trail(found.action) and not with_staff_trail):
        # A staff-trail entry is not shown to the public; its hash is still in the chain export.
        raise NotFound(f"There is no public entry {seq} in the audit log.")
    [shown] = show(session, [found])
    shown.queries = repository.queries(session, about=f"audit:{seq}")
    return shown


# --- the public export ---------------------------------------------------------------------------

def export_line(e, *, with_staff_trail: bool) -> dict[str, Any]:
    """One JSON Lines record. The payload is the stored canonical text, so a verifier hashes exactly
    what the server hashed. A staff-trail entry keeps its place in the chain but not its content:
    its hash is pinned by the next entry's prev_hash and by the signed checkpoints."""
    if repository.is_staff_trail(e.action) and not with_staff_trail:
        return {"seq": e.seq, "prev_hash": e.prev_hash, "hash": e.hash, "withheld": True}
    return {"seq": e.seq, "at": e.at, "actor_role": e.actor_role, "actor_ref": e.actor_ref, "action": e.action,
            "subject": e.subject, "payload": e.payload, "prev_hash": e.prev_hash, "hash": e.hash}


def export_lines(session: Session, round_id: int | None, *, with_staff_trail: bool = False,
                 batch: int = 1000):
    """The whole chain in log order, or only a round's entries (each still carries its prev_hash),
    as chunks of JSON Lines."""
    if round_id is not None:
        governance_repo.get_round(session, round_id)
    after = 0
    while True:
        trail = repository.TrailFilter(round_id=round_id) if round_id is not None else None
        rows = repository.trail_in_log_order(session, trail, with_staff_trail=with_staff_trail, after_seq=after,
                                             limit=batch)
        if not rows:
            return
        # One chunk a batch: a streamed response pays a thread hop for every chunk.
        yield "".join(json.dumps(export_line(e, with_staff_trail=with_staff_trail), ensure_ascii=False,
                                 separators=(",", ":")) + "\n" for e in rows)
        after = rows[-1].seq


# --- queries and answers -------------------------------------------------------------------------

@dataclass(frozen=True)
class Concern:
    """What a query is about, and whose business it is."""

    about: str
    partnership_id: int
    round_id: int | None


def _concern_of_ref(session: Session, ref: str, payload: dict | None = None) -> tuple[int | None, int | None]:
    kind, _, text = ref.partition(":")
    number = id_or_none(text)
    if number is not None:
        if kind == "round":
            voting_round = governance_repo.get_round(session, number)
            return voting_round.partnership_id, voting_round.id
        if kind == "proposal":
            found = repository.proposal(session, number)
            if found is not None:
                voting_round = governance_repo.get_round(session, found.round_id)
                return voting_round.partnership_id, voting_round.id
        if kind == "partnership":
            return governance_repo.get_partnership(session, number).id, None
    for key in ("round", "partnership"):
        if payload and isinstance(payload.get(key), str):
            found_partnership, found_round = _concern_of_ref(session, payload[key])
            if found_partnership is not None:
                return found_partnership, found_round
    return None, None


def concern_of(session: Session, about: str) -> Concern:
    kind, _, text = about.partition(":")
    number = id_or_none(text)
    if number is None or kind not in ("audit", "round", "proposal"):
        raise InvalidInput("A query is about an entry of the audit log, a round or a proposal.")
    if kind == "audit":
        found = repository.entry(session, number)
        if found is None:
            raise NotFound(f"There is no entry {number} in the audit log.")
        partnership_id, round_id = _concern_of_ref(session, found.subject, json.loads(found.payload))
    else:
        partnership_id, round_id = _concern_of_ref(session, about)
    if partnership_id is None:
        raise InvalidInput("This entry is not about a partnership's business, so no chair can answer a query on "
                           "it. Ask the platform's administrator instead.")
    return Concern(about=about, partnership_id=partnership_id, round_id=round_id)


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _clean(text: str, what: str) -> str:
    text = text.strip()
    if len(text) < 5:
        raise InvalidInput(f"Write your {what} (at least a few words).")
    if len(text) > 4000:
        raise InvalidInput(f"Keep the {what} under 4,000 characters.")
    return text


def _refs(item: Query) -> dict[str, str]:
    refs = {"about": item.about, "partnership": f"partnership:{item.partnership_id}"}
    if item.round_id is not None:
        refs["round"] = f"round:{item.round_id}"
    return refs


def raise_query(session: Session, actor: Actor, staff: StaffAccount, concern: Concern, question: str) -> Query:
    """Put a question on the record; the chair of the partnership concerned must answer it."""
    item = Query(about=concern.about, partnership_id=concern.partnership_id, round_id=concern.round_id,
                 question=_clean(question, "question"), raised_by=staff.id, raised_at=audit.now_utc())
    session.add(item)
    session.flush()
    audit.append(session, actor, ScrutinyEvent.query_raised, f"query:{item.id}",
                 {**_refs(item), "question_sha256": _text_hash(item.question)})
    return item


def answer_query(session: Session, actor: Actor, staff: StaffAccount, item: Query, answer: str) -> Query:
    if not item.is_open:
        raise Conflict("This query has already been answered.")
    item.answer, item.answered_by, item.answered_at = _clean(answer, "answer"), staff.id, audit.now_utc()
    session.add(item)
    audit.append(session, actor, ScrutinyEvent.query_answered, f"query:{item.id}",
                 {**_refs(item), "answer_sha256": _text_hash(item.answer)})
    return item


def get_query(session: Session, query_id: int, *, for_update: bool = False) -> Query:
    item = repository.query(session, query_id, for_update=for_update)
    if item is None:
        raise NotFound(f"There is no query {query_id}.")
    return item


# --- privacy: the register purged to counts ------------------------------------------------------

def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def purge_registers(session: Session, actor: Actor, *, now: datetime, retention_days: int) -> list[RegisterPurge]:
    """Purge the register of every round whose results were certified (the chair's certification
    confirmed by a second member) more than `retention_days` ago. A round published but not yet
    certified keeps its register: the result may still be questioned."""
    purged = []
    for voting_round in governance_repo.list_rounds(session):
        if voting_round.vote_status != VoteStatus.published or repository.purge_of(session, voting_round.id):
            continue
        certified = certification.certification_of(session, voting_round.id)
        if certified is None or certified.confirmed_at is None \
                or _aware(certified.confirmed_at) + timedelta(days=retention_days) > now:
            continue
        counts = register.forget_holders(session, voting_round.id)
        record = RegisterPurge(round_id=voting_round.id, purged_at=audit.now_utc(),
                               desk_passes=counts.get("desk", 0), batch_passes=counts.get("batch", 0),
                               ballots=voting_repo.ballot_count(session, voting_round.id))
        session.add(record)
        session.flush()
        audit.append(session, actor, ScrutinyEvent.register_purged, f"round:{voting_round.id}", {
            "desk_passes": record.desk_passes, "batch_passes": record.batch_passes, "ballots": record.ballots,
            "retention_days": retention_days})
        purged.append(record)
    return purged
