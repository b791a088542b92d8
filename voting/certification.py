"""Certifying a published result: the chair certifies, a second member of the partnership confirms.

From the chair's step on, the round is frozen: nothing that changes the result may happen to it
(`refuse_if_frozen`). The confirmation makes the result certified: it takes a signed checkpoint
of the log, and from then on the round's exports (CSV, 360Giving) can be made.

The command line has no signed-in person. `round certify ID` is the chair's step done by the
operator at the terminal (recorded as done from the CLI, like `round publish`), or by a named
chair with `--as USERNAME`; the confirmation must come from a different named member: on the web,
or with `round certify ID --confirm --as USERNAME`. The operator alone can never both certify and
confirm, so two people always stand behind a certified result.
"""

from sqlmodel import Session

from core import audit
from core.audit import Actor
from core.errors import Conflict, NotAllowed
from governance import repository as governance_repo
from governance.models import Role, StaffAccount, VoteStatus, utcnow
from voting import reconciliation
from voting.errors import NotCertified, RoundFrozen
from voting.events import VotingEvent
from voting.models import Certification

# Who may confirm the chair's certification: a member of the partnership who shares its decisions.
CONFIRMS = frozenset({Role.chair, Role.member, Role.officer})


def certification_of(session: Session, round_id: int) -> Certification | None:
    return session.get(Certification, round_id)


def is_certified(session: Session, round_id: int) -> bool:
    record = certification_of(session, round_id)
    return record is not None and record.is_confirmed


def refuse_if_frozen(session: Session, round_id: int) -> None:
    """For anything that would change a round's result: refused once the chair has certified it."""
    if certification_of(session, round_id) is not None:
        raise RoundFrozen("The results of this round are certified; nothing that changes them can be edited.")


def require_certified(session: Session, round_id: int, what: str) -> Certification:
    voting_round = governance_repo.get_round(session, round_id)
    record = certification_of(session, round_id)
    if record is None or not record.is_confirmed:
        state = ("its results are not published yet" if voting_round.vote_status != VoteStatus.published
                 else "the chair has certified it and a second member has still to confirm" if record
                 else "its results are published but not yet certified")
        raise NotCertified(f"{what} is made only for a certified round; round {round_id} is not certified: {state}.")
    return record


def certify(session: Session, actor: Actor, round_id: int, *, name: str, via: str = "web") -> Certification:
    """The chair's step. Needs the result published and the event's reconciliation sheet signed off."""
    voting_round = governance_repo.get_round(session, round_id, for_update=True)
    if voting_round.vote_status != VoteStatus.published:
        raise Conflict(f"Results can be certified once they are published; voting is {voting_round.vote_status}.")
    if certification_of(session, round_id) is not None:
        raise Conflict("The chair has already certified these results.")
    if reconciliation.signed_sheet(session, round_id) is None:
        raise Conflict("The chair signs off the event's reconciliation sheet before the results can be certified.")
    record = Certification(round_id=round_id, certified_by=actor.ref, certified_by_name=name,
                           certified_role=actor.role)
    session.add(record)
    session.flush()
    audit.append(session, actor, VotingEvent.results_certified, f"round:{round_id}",
                 {"awaiting_confirmation": True, "via": via})
    return record


def confirm(session: Session, actor: Actor, round_id: int, *, name: str, via: str = "web") -> Certification:
    """A second member confirms: the result is certified and the log is signed at this point."""
    governance_repo.get_round(session, round_id, for_update=True)
    record = certification_of(session, round_id)
    if record is None:
        raise Conflict("The chair has not certified these results yet; there is nothing to confirm.")
    if record.is_confirmed:
        raise Conflict("These results are already certified and confirmed.")
    if actor.ref == record.certified_by:
        raise NotAllowed("A second member must confirm: the one who certified cannot confirm their own "
                         "certification.")
    if not actor.ref.startswith("staff:"):
        raise NotAllowed("The confirmation must be made by a named member of the partnership "
                         "(signed in, or `round certify ID --confirm --as USERNAME`).")
    record.confirmed_by, record.confirmed_by_name, record.confirmed_role = actor.ref, name, actor.role
    record.confirmed_at = utcnow()
    session.add(record)
    audit.append(session, actor, VotingEvent.certification_confirmed, f"round:{round_id}",
                 {"certified_by": record.certified_by, "via": via})
    checkpoint = audit.checkpoint(session, f"results certified round:{round_id}")
    record.checkpoint_seq = checkpoint.seq
    session.add(record)
    session.flush()
    return record


def actor_for_username(session: Session, round_id: int, username: str, allowed: frozenset[str]) -> tuple[Actor, str]:
    """The command line's `--as USERNAME`: the named account, in a role it holds on this round."""
    from sqlmodel import select

    from governance.permissions import role_on_round

    staff = session.exec(select(StaffAccount).where(StaffAccount.username == username)).first()
    if staff is None or not staff.active:
        raise NotAllowed(f"There is no active staff account {username!r}.")
    role = role_on_round(session, staff, governance_repo.get_round(session, round_id), allowed)
    return Actor(role=role, ref=f"staff:{staff.id}"), staff.display_name
