"""The rules of delivery: grants only for funded projects of a certified round, a spend ledger that
refuses what cannot be right, and the flags a council watches (overspend, underspend at the end,
no report for 60 days)."""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from core import audit, files, i18n
from core.audit import Actor
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from core.i18n import N_
from core.money import pounds
from core.numbers import MAX_ID, MAX_MONEY, parse_money, parse_pounds_and_pence, parse_whole
from core.text import storable
from delivery import repository
from delivery.events import DeliveryEvent
from delivery.models import Grant, Milestone, MilestoneStatus, OutcomeEstimate, OutputRecord, SpendEntry, SpendEvidence
from delivery.permissions import OVERRIDES_SPEND
from governance import repository as governance_repo
from governance import service as governance_service
from governance.models import utcnow
from proposals.models import Proposal
from scrutiny import call_in
from voting import certification
from voting import repository as voting_repo

# org-id.guide shapes: a Charity Commission number, a Companies House number, or a self-issued id.
RECIPIENT_ID = re.compile(r"^(GB-CHC-[0-9]{6,8}|GB-COH-[A-Z0-9]{8}|360G-[A-Za-z0-9][A-Za-z0-9-]{1,80})$")
MAX_EVIDENCE_BYTES = 4 * 1024 * 1024  # under the 5 MB upload body limit (core/web.py)
NO_REPORT_DAYS = 60
EVIDENCE_TYPES = (files.PDF, files.PNG, files.JPEG)


def parse_day(text: str, label: str, *, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(i18n.gettext("%(label)s must be a date written as year-month-day, for example "
                                        "2026-03-31.", label=i18n.gettext(label)), field=field) from None


def _on_the_grant(day: date, grant: Grant, today: date, *, field: str) -> date:
    """A day something happened on a grant: not in the future, and not before the grant was awarded
    (a report dated 1900 would clear a late flag or bury spend where nobody looks)."""
    if day > today:
        raise InvalidInput(i18n.gettext("The date cannot be in the future."), field=field)
    if day < grant.award_date:
        raise InvalidInput(i18n.gettext("The date cannot be before the grant was awarded on %(day)s.",
                                        day=i18n.format_date(grant.award_date)), field=field)
    return day


# Messages are in the request's language: a recipient organisation reports through a resident-facing page.
def _text(text: str, label: str, *, field: str, required: bool = True, limit: int = 2000) -> str:
    cleaned = storable(text)
    label = i18n.gettext(label)
    if required and not cleaned:
        raise InvalidInput(i18n.gettext("Enter %(what)s.", what=label), field=field)
    if len(cleaned) > limit:
        raise InvalidInput(i18n.gettext("%(what)s must be at most %(limit)s characters.",
                                        what=label[:1].upper() + label[1:], limit=f"{limit:,}"), field=field)
    return cleaned


# --- grants ---------------------------------------------------------------------------------------

@dataclass
class GrantForm:
    """A grant as typed into the officer's form (text), read strictly."""

    recipient_name: str = ""
    recipient_id: str = ""
    amount: str = ""
    award_date: str = ""
    planned_start: str = ""
    planned_end: str = ""
    fund_source: str = ""
    conditions: str = ""


def award_grant(session: Session, actor: Actor, *, round_id: int, proposal_id: int, form: GrantForm) -> Grant:
    proposal = session.get(Proposal, proposal_id) if 1 <= proposal_id <= MAX_ID else None
    if proposal is None or proposal.round_id != round_id:
        raise InvalidInput(f"There is no project {proposal_id}.", field="proposal_id")
    voting_round = governance_repo.get_round(session, proposal.round_id)
    certification.require_certified(session, voting_round.id, "A grant")
    call_in.refuse_if_paused(session, voting_round.id, "The grant cannot be awarded yet")
    outcome = json.loads(voting_repo.result_of(session, voting_round.id).outcome)
    if proposal.id not in outcome["selected"]:
        raise Conflict(f"{proposal.title} was not funded in the vote, so it cannot have a grant.")
    if repository.grant_for_proposal(session, proposal.id) is not None:
        raise Conflict(f"{proposal.title} already has a grant.")
    recipient_name = _text(form.recipient_name, "the recipient organisation's name", field="recipient_name",
                           limit=200)
    recipient_id = form.recipient_id.strip()
    if not RECIPIENT_ID.match(recipient_id):
        raise InvalidInput("The recipient's identifier must be a charity number (GB-CHC-1234567), a company "
                           "number (GB-COH-01234567) or a 360G- identifier (360G-macc-green-gym).",
                           field="recipient_id")
    amount = parse_money(form.amount, "The amount awarded", field="amount")
    if amount == 0:
        raise InvalidInput("The amount awarded must be more than £0.", field="amount")
    award_date = parse_day(form.award_date, "The award date", field="award_date")
    start = parse_day(form.planned_start, "The planned start", field="planned_start")
    end = parse_day(form.planned_end, "The planned end", field="planned_end")
    if end < start:
        raise InvalidInput("The planned end must be on or after the planned start.", field="planned_end")
    grant = Grant(round_id=voting_round.id, proposal_id=proposal.id, title=proposal.title, summary=proposal.summary,
                  recipient_name=recipient_name, recipient_id=recipient_id, amount=amount, award_date=award_date,
                  planned_start=start, planned_end=end,
                  fund_source=_text(form.fund_source or voting_round.fund_source, "the fund source",
                                    field="fund_source", required=False, limit=200),
                  conditions=_text(form.conditions, "the conditions", field="conditions", required=False,
                                   limit=10_000))
    session.add(grant)
    session.flush()
    audit.append(session, actor, DeliveryEvent.grant_awarded, f"round:{voting_round.id}", {
        "grant": grant.id, "proposal": proposal.id, "amount": amount, "recipient_id": recipient_id,
        "award_date": award_date.isoformat()})
    return grant


# --- the spend ledger -----------------------------------------------------------------------------

def evidence_type(content: bytes) -> str:
    if len(content) > MAX_EVIDENCE_BYTES:
        raise InvalidInput(i18n.gettext("The evidence file is too big: at most %(most)s MB.",
                                        most=MAX_EVIDENCE_BYTES // (1024 * 1024)), field="evidence")
    kind = files.media_type(content, EVIDENCE_TYPES)
    if kind is not None:
        return kind
    raise InvalidInput(i18n.gettext("The evidence must be a PDF or an image (PNG or JPEG)."), field="evidence")


def spent(session: Session, grant_id: int) -> int | Decimal:
    """In pounds (with pence when there are any)."""
    return pounds(sum(e.amount_pence for e in repository.spend_of(session, grant_id) if e.counts))


def record_spend(session: Session, actor: Actor, grant_id: int, *, spent_on: str, amount: str, description: str,
                 today: date, evidence: bytes | None = None, override: bool = False) -> SpendEntry:
    grant = repository.get_grant(session, grant_id, for_update=True)
    if amount.strip().startswith("-"):
        raise InvalidInput(i18n.gettext("A spend entry cannot be negative; record a refund as a note to the "
                                        "officer."), field="amount")
    value = parse_pounds_and_pence(amount, N_("The amount"), field="amount")
    if value == 0:
        raise InvalidInput(i18n.gettext("The amount must be more than £0."), field="amount")
    if value > grant.amount * 100:
        # No override covers this: one payment bigger than the whole grant is a typing mistake, and
        # the ledger is public.
        raise InvalidInput(i18n.gettext("One entry cannot be more than the whole grant of %(grant)s: check the "
                                        "amount.", grant=i18n.money(grant.amount)), field="amount")
    day = _on_the_grant(parse_day(spent_on, N_("The date"), field="spent_on"), grant, today, field="spent_on")
    what = _text(description, N_("what the money was spent on"), field="description", limit=500)
    if repository.duplicate_spend(session, grant.id, day, value, what) is not None:
        raise Conflict(i18n.gettext("This entry is already in the ledger: %(amount)s on %(day)s for %(what)s.",
                                    amount=i18n.money(pounds(value)), day=i18n.format_date(day), what=what),
                       field="description")
    media_type = evidence_type(evidence) if evidence else None
    before = sum(e.amount_pence for e in repository.spend_of(session, grant.id) if e.counts)
    over = before + value > grant.amount * 100
    if over and not override:
        raise Conflict(i18n.gettext("This would bring the spend to %(total)s, over the grant of %(grant)s. "
                                    "An officer can allow it.", total=i18n.money(pounds(before + value)),
                                    grant=i18n.money(grant.amount)), field="amount")
    if over and actor.role not in OVERRIDES_SPEND and actor.role != "admin":
        raise NotAllowed("Only an officer can allow spend beyond the grant.")
    entry = SpendEntry(grant_id=grant.id, spent_on=day, amount_pence=value, description=what, entered_by=actor.ref,
                       over_grant_override=over, evidence_type=media_type)
    session.add(entry)
    session.flush()
    if evidence:
        session.add(SpendEvidence(spend_id=entry.id, media_type=media_type, content=evidence))
    audit.append(session, actor, DeliveryEvent.spend_recorded, f"grant:{grant.id}", {
        "entry": entry.id, "amount_pence": value, "spent_on": day.isoformat(), "evidence": media_type})
    if over:
        audit.append(session, actor, DeliveryEvent.spend_over_grant_allowed, f"grant:{grant.id}", {
            "entry": entry.id, "spent_pence": before + value, "grant": grant.amount})
    return entry


def may_withdraw_spend(actor: Actor) -> bool:
    return actor.role in OVERRIDES_SPEND or actor.role == "admin"


def withdraw_spend(session: Session, actor: Actor, grant_id: int, spend_id: int, *, reason: str) -> SpendEntry:
    """An officer withdraws a ledger line entered in error, with the reason. It is not deleted: the
    public ledger shows it struck through with the reason, and the log records who and why."""
    if not may_withdraw_spend(actor):
        raise NotAllowed("Only an officer can withdraw a spend entry.")
    grant = repository.get_grant(session, grant_id, for_update=True)
    entry = next((e for e in repository.spend_of(session, grant.id) if e.id == spend_id), None)
    if entry is None:
        raise NotFound("This grant's ledger has no such entry.")
    if not entry.counts:
        raise Conflict("This entry was already withdrawn.")
    why = _text(reason, N_("why the entry is withdrawn"), field="reason", limit=300)
    entry.withdrawn_at, entry.withdrawn_by, entry.withdrawn_reason = utcnow(), actor.ref, why
    session.add(entry)
    # The reason is on the public ledger; the log keeps its SHA-256, as it does any free text.
    audit.append(session, actor, DeliveryEvent.spend_withdrawn, f"grant:{grant.id}", {
        "entry": entry.id, "amount_pence": entry.amount_pence,
        "reason_sha256": hashlib.sha256(why.encode("utf-8")).hexdigest()})
    return entry


def return_underspend(session: Session, actor: Actor, grant_id: int, *, today: date) -> Grant:
    """After the end date, what was not spent goes back to the partnership: added to the budget of
    its next round that has not opened voting yet (through governance's own service, audited there
    as a budget change and here as the return)."""
    grant = repository.get_grant(session, grant_id, for_update=True)
    if grant.returned_amount is not None:
        raise Conflict(f"£{grant.returned_amount:,} of this grant was already returned.")
    if today <= grant.planned_end:
        raise Conflict(f"Underspend is returned after the planned end, {grant.planned_end.isoformat()}.")
    # Budgets are whole pounds: the odd pence of an underspend stay with the grant.
    left = (grant.amount * 100 - sum(e.amount_pence for e in repository.spend_of(session, grant.id)
                                     if e.counts)) // 100
    if left <= 0:
        raise Conflict("Nothing is left unspent on this grant.")
    this_round = governance_repo.get_round(session, grant.round_id)
    later = [r for r in governance_repo.list_rounds(session, this_round.partnership_id)
             if r.id != this_round.id and r.vote_status == "draft" and r.created_at >= this_round.created_at]
    if not later:
        raise Conflict("The partnership has no next round that has not opened voting yet; create it first.")
    target = min(later, key=lambda r: (r.created_at, r.id))
    governance_service.change_round_details(
        session, actor, target.id, title=target.title, budget=target.budget + left, fund_source=target.fund_source,
        summary=target.summary, eligible_postcodes=target.eligible_postcodes, priorities=target.priorities)
    grant.returned_amount, grant.returned_to_round = left, target.id
    session.add(grant)
    audit.append(session, actor, DeliveryEvent.underspend_returned, f"grant:{grant.id}", {
        "amount": left, "to_round": target.id, "from_round": this_round.id})
    return grant


# --- milestones, outputs, outcomes ----------------------------------------------------------------

def add_milestone(session: Session, actor: Actor, grant_id: int, *, title: str, planned_on: str, today: date,
                  actual_on: str = "") -> Milestone:
    grant = repository.get_grant(session, grant_id)
    planned = parse_day(planned_on, N_("The planned date"), field="planned_on")
    if planned < grant.award_date:
        raise InvalidInput(i18n.gettext("The planned date cannot be before the grant was awarded on %(day)s.",
                                        day=i18n.format_date(grant.award_date)), field="planned_on")
    milestone = Milestone(grant_id=grant.id, title=_text(title, "the milestone", field="title", limit=200),
                          planned_on=planned)
    if actual_on.strip():
        milestone.actual_on = _on_the_grant(parse_day(actual_on, N_("The date it happened"), field="actual_on"),
                                            grant, today, field="actual_on")
        milestone.status = MilestoneStatus.done
    session.add(milestone)
    session.flush()
    audit.append(session, actor, DeliveryEvent.milestone_added, f"grant:{grant.id}", {
        "milestone": milestone.id, "planned_on": milestone.planned_on.isoformat(), "status": milestone.status})
    return milestone


def complete_milestone(session: Session, actor: Actor, grant_id: int, milestone_id: int, *, actual_on: str,
                       today: date) -> Milestone:
    """A planned milestone happened: its date is recorded and it is no longer counted as late."""
    grant = repository.get_grant(session, grant_id)
    milestone = repository.milestone_of(session, grant.id, milestone_id)
    if milestone is None:
        raise NotFound(i18n.gettext("This project has no such milestone."))
    if milestone.status != MilestoneStatus.planned:
        raise Conflict(i18n.gettext("This milestone is already recorded as done."), field="actual_on")
    day = _on_the_grant(parse_day(actual_on, N_("The date it happened"), field="actual_on"), grant, today,
                        field="actual_on")
    milestone.actual_on, milestone.status = day, MilestoneStatus.done
    session.add(milestone)
    audit.append(session, actor, DeliveryEvent.milestone_done, f"grant:{grant.id}", {
        "milestone": milestone.id, "planned_on": milestone.planned_on.isoformat(), "actual_on": day.isoformat()})
    return milestone


def add_output(session: Session, actor: Actor, grant_id: int, *, indicator: str, value: str, unit: str,
               reported_on: str, today: date) -> OutputRecord:
    grant = repository.get_grant(session, grant_id)
    day = _on_the_grant(parse_day(reported_on, N_("The date"), field="reported_on"), grant, today,
                        field="reported_on")
    record = OutputRecord(grant_id=grant.id, indicator=_text(indicator, N_("what was delivered"),
                                                             field="indicator", limit=300),
                          value=parse_whole(value, N_("The number"), field="value", high=MAX_MONEY),
                          unit=_text(unit, N_("the unit (for example residents)"), field="unit", limit=60),
                          reported_on=day)
    session.add(record)
    session.flush()
    audit.append(session, actor, DeliveryEvent.output_reported, f"grant:{grant.id}", {
        "output": record.id, "value": record.value, "unit": record.unit})
    return record


def add_outcome(session: Session, actor: Actor, grant_id: int, *, savings_per_year: str, source: str,
                method: str) -> OutcomeEstimate:
    grant = repository.get_grant(session, grant_id)
    estimate = OutcomeEstimate(grant_id=grant.id,
                               savings_per_year=parse_money(savings_per_year, "The estimated savings a year",
                                                            field="savings_per_year"),
                               source=_text(source, "where the estimate comes from", field="source", limit=500),
                               method=_text(method, "how it was estimated", field="method", limit=2000))
    session.add(estimate)
    session.flush()
    audit.append(session, actor, DeliveryEvent.outcome_estimated, f"grant:{grant.id}", {
        "outcome": estimate.id, "savings_per_year": estimate.savings_per_year})
    return estimate


# --- what a council watches -----------------------------------------------------------------------

@dataclass
class GrantSummary:
    grant: Grant
    spent: int | Decimal
    last_report: date
    flags: list[str]
    late_milestones: list[Milestone]
    savings_per_year: int

    @property
    def remaining(self) -> int | Decimal:
        return self.grant.amount - self.spent


def summarise(session: Session, grant: Grant, today: date) -> GrantSummary:
    entries = repository.spend_of(session, grant.id)
    outputs = repository.outputs_of(session, grant.id)
    milestones = repository.milestones_of(session, grant.id)
    total = pounds(sum(e.amount_pence for e in entries if e.counts))
    reports = [e.spent_on for e in entries if e.counts] + [o.reported_on for o in outputs] + [
        m.actual_on for m in milestones if m.actual_on]
    last_report = max(reports, default=grant.award_date)
    flags = []
    if total > grant.amount:
        flags.append(i18n.gettext("Overspent by %(amount)s", amount=i18n.money(total - grant.amount)))
    if today > grant.planned_end and total < grant.amount:
        flags.append(i18n.gettext("Underspent by %(amount)s at the end date", amount=i18n.money(grant.amount - total)))
    if (today - last_report).days > NO_REPORT_DAYS and today <= grant.planned_end:
        flags.append(i18n.gettext("No report for %(days)s days", days=(today - last_report).days))
    late = [m for m in milestones if m.is_late(today)]
    savings = sum(o.savings_per_year for o in repository.outcomes_of(session, grant.id))
    return GrantSummary(grant, total, last_report, flags, late, savings)
