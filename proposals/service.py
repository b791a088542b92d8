"""Proposal rules: residents draft, submit, revise and withdraw; officers enter paper forms, review,
cost, merge and moderate; eligible proposals go on the ballot when voting opens.

Every change keeps a version with the full content. An officer or member with a declared interest
is refused here, in the service, whatever page or script asked."""

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

from sqlmodel import Session

from core import audit, files, i18n
from core.audit import Actor
from core.errors import Conflict, InvalidInput, NotAllowed
from core.i18n import N_
from core.numbers import MAX_MONEY
from core.text import storable
from governance import interests
from governance import repository as governance_repo
from governance.models import PHASE_FLAGS, PUBLIC_PHASE_WORDS, Phase, Round, VoteStatus, utcnow
from proposals import repository
from proposals.events import ProposalEvent
from proposals.models import Proposal, ProposalMessage, ProposalPhoto, ProposalStatus, ProposalVersion

LIMITS = {"title": 120, "summary": 600, "description": 10_000, "location": 200, "delivered_by": 200,
          "category": 80, "org_number": 20}
LABELS = {"title": N_("The title"), "summary": N_("The summary"), "description": N_("The description"),
          "location": N_("The place or ward"), "delivered_by": N_("Who would deliver it"),
          "category": N_("The category"), "org_number": N_("The charity or company number")}
MAX_COST_LINES = 30
MAX_REASON = 2000
MAX_MESSAGE = 5000
# The whole upload may be 5 MB (core/web.py); the photo itself less, so an oversized photo is
# refused by the form, with everything else typed kept, rather than by the body limit.
PHOTO_LIMIT = 4 * 1024 * 1024
CATEGORIES = (N_("Health and wellbeing"), N_("Children and young people"), N_("Older people"),
              N_("Environment and green spaces"), N_("Food"), N_("Arts and culture"), N_("Sport and activity"),
              N_("Community spaces"), N_("Other"))

# The fixed words a version's history is written in (stored in English, shown in the page's language).
VERSION_WORDS = (
    N_("the proposer"), N_("the system"), N_("submitted"), N_("draft saved"), N_("edited"), N_("withdrawn"),
    N_("put on the ballot"), N_("corrected by an officer"), N_("withdrawn by an officer"),
    N_("entered from a paper form"), N_("hidden by a moderator"), N_("shown again by a moderator"),
    N_("placed on the ballot as voting opened"), N_("funded by the residents' vote"),
    N_("title"), N_("summary"), N_("description"), N_("cost"), N_("cost lines"), N_("location"), N_("delivered by"),
    N_("org number"), N_("category"), N_("status"), N_("review reason"), N_("merged into"), N_("photo"),
)

# England and Wales charities (6 or 7 digits, maybe "-1"), Scotland (SC + 6), Northern Ireland
# (NIC + 6 or NI + 6); Companies House numbers (8 digits, or 2 letters + 6 digits: SC, NI, OC ...).
ORG_NUMBER = re.compile(r"^(\d{6,7}(-\d{1,2})?|SC\d{6}|NIC?\d{6}|\d{8}|[A-Z]{2}\d{6})$")

EDITABLE_BY_PROPOSER = (ProposalStatus.draft, ProposalStatus.submitted, ProposalStatus.needs_changes)
REVIEWABLE = (ProposalStatus.submitted, ProposalStatus.needs_changes, ProposalStatus.eligible,
              ProposalStatus.ineligible)
MERGEABLE = (ProposalStatus.submitted, ProposalStatus.needs_changes, ProposalStatus.eligible,
             ProposalStatus.ineligible, ProposalStatus.on_ballot)
DECISIONS = {"eligible": ProposalStatus.eligible, "needs_changes": ProposalStatus.needs_changes,
             "ineligible": ProposalStatus.ineligible}


def title_key(title: str) -> str:
    """"Green Gym", "green  gym." and "GREEN-GYM" are one title on a ballot."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


# --- what a proposal says ----------------------------------------------------------------------

@dataclass
class ProposalContent:
    """What a proposer (or an officer copying a paper form) typed, before it is checked."""

    title: str = ""
    summary: str = ""
    description: str = ""
    cost_lines: list[tuple[str, int]] = field(default_factory=list)
    location: str = ""
    delivered_by: str = ""
    org_number: str = ""
    category: str = ""

    def cleaned(self) -> "ProposalContent":
        texts = {name: storable(getattr(self, name)) for name in LIMITS}
        texts["org_number"] = texts["org_number"].replace(" ", "").upper()
        return ProposalContent(cost_lines=[(storable(item), amount) for item, amount in self.cost_lines], **texts)


@dataclass
class Photo:
    content: bytes
    filename: str = ""


def photo_type(content: bytes) -> str | None:
    """The image type its bytes say, whatever the file is called or the browser claims."""
    return files.media_type(content, files.IMAGES)


def check_photo(photo: Photo) -> str:
    if len(photo.content) > PHOTO_LIMIT:
        raise InvalidInput(i18n.gettext("The photo is %(size)s MB; it can be at most %(most)s MB. "
                                        "A smaller copy will do.",
                                        size=f"{len(photo.content) / 1024 / 1024:.1f}",
                                        most=PHOTO_LIMIT // 1024 // 1024), field="photo")
    kind = photo_type(photo.content)
    if kind is None:
        raise InvalidInput(i18n.gettext("The photo must be a JPEG, PNG or WebP image; this file is not one."),
                           field="photo")
    return kind


def cap_for(voting_round: Round) -> int:
    """The most one proposal may cost: the round's per-project cap if it has one, else the budget."""
    return getattr(voting_round, "project_cap", None) or voting_round.budget


def check_content(voting_round: Round, content: ProposalContent, *, stated_total: int | None = None) -> int:
    """InvalidInput naming the field for the first thing wrong; the cost (the lines' sum) when all is well."""
    if not content.title:
        raise InvalidInput(i18n.gettext("A proposal needs a title."), field="title")
    for name, limit in LIMITS.items():
        if len(getattr(content, name)) > limit:
            raise InvalidInput(i18n.gettext("%(what)s can be at most %(most)s characters (it has %(has)s).",
                                            what=i18n.gettext(LABELS[name]), most=f"{limit:,}",
                                            has=f"{len(getattr(content, name)):,}"), field=name)
    if content.org_number and not ORG_NUMBER.match(content.org_number):
        raise InvalidInput(i18n.gettext("That is not the shape of a charity number (like 1234567 or SC012345) or a "
                                        "company number (like 01234567 or SC123456)."), field="org_number")
    if content.org_number and not content.delivered_by:
        raise InvalidInput(i18n.gettext("Name the group or organisation the number belongs to."), field="delivered_by")
    if not content.cost_lines:
        raise InvalidInput(i18n.gettext("Add at least one cost line: what it is for and how much."), field="cost_lines")
    if len(content.cost_lines) > MAX_COST_LINES:
        raise InvalidInput(i18n.gettext("A proposal can have at most %(most)s cost lines.", most=MAX_COST_LINES),
                           field="cost_lines")
    for n, (item, amount) in enumerate(content.cost_lines, start=1):
        if not item:
            raise InvalidInput(i18n.gettext("Cost line %(n)s needs to say what the money is for.", n=n),
                               field=f"item_{n}")
        if len(item) > 200:
            raise InvalidInput(i18n.gettext("Cost line %(n)s's description can be at most 200 characters.", n=n),
                               field=f"item_{n}")
        if amount <= 0:
            raise InvalidInput(i18n.gettext("Cost line %(n)s must be more than £0.", n=n), field=f"amount_{n}")
        if amount > MAX_MONEY:
            raise InvalidInput(i18n.gettext("Cost line %(n)s is far more than any budget.", n=n), field=f"amount_{n}")
    cost = sum(amount for _, amount in content.cost_lines)
    if stated_total is not None and stated_total != cost:
        raise InvalidInput(i18n.gettext("The cost lines add up to £%(cost)s, not the £%(total)s given as the total. "
                                        "Correct a line or the total.", cost=f"{cost:,}", total=f"{stated_total:,}"),
                           field="total")
    cap = cap_for(voting_round)
    if cost > cap:
        raise InvalidInput(i18n.gettext("The cost lines add up to £%(cost)s, more than the £%(cap)s one proposal can "
                                        "have from this round.", cost=f"{cost:,}", cap=f"{cap:,}"),
                           field="cost_lines")
    return cost


def _apply(proposal: Proposal, content: ProposalContent, cost: int) -> None:
    for name in LIMITS:
        setattr(proposal, name, getattr(content, name))
    proposal.cost = cost
    proposal.cost_lines = json.dumps([{"item": item, "amount": amount} for item, amount in content.cost_lines])


def content_of(proposal: Proposal) -> ProposalContent:
    return ProposalContent(cost_lines=[(line["item"], line["amount"]) for line in proposal.lines],
                           **{name: getattr(proposal, name) for name in LIMITS})


def snapshot(session: Session, proposal: Proposal) -> dict:
    photo = session.get(ProposalPhoto, proposal.id) if proposal.id else None
    return {"title": proposal.title, "summary": proposal.summary, "description": proposal.description,
            "cost": proposal.cost, "cost_lines": proposal.lines, "location": proposal.location,
            "delivered_by": proposal.delivered_by, "org_number": proposal.org_number, "category": proposal.category,
            "status": proposal.status, "review_reason": proposal.review_reason,
            "merged_into": proposal.merged_into_id, "photo": photo.sha256[:16] if photo else None}


def _keep_version(session: Session, proposal: Proposal, author: str, note: str = "") -> ProposalVersion:
    latest = repository.latest_version_number(session, proposal.id)
    proposal.version = latest + 1
    proposal.updated_at = utcnow()
    session.add(proposal)
    version = ProposalVersion(proposal_id=proposal.id, number=latest + 1,
                              content=json.dumps(snapshot(session, proposal), sort_keys=True), author=author,
                              note=note[:MAX_REASON])
    session.add(version)
    session.flush()
    return version


def _store_photo(session: Session, proposal: Proposal, photo: Photo | None) -> None:
    if photo is None or not photo.content:
        return
    kind = check_photo(photo)
    row = session.get(ProposalPhoto, proposal.id) or ProposalPhoto(proposal_id=proposal.id, content_type=kind,
                                                                   data=b"", sha256="")
    row.content_type, row.data = kind, photo.content
    row.sha256 = hashlib.sha256(photo.content).hexdigest()
    session.add(row)
    session.flush()


# --- phases and who may act ----------------------------------------------------------------------

def _phase_for(flag: str) -> list[Phase]:
    return [phase for phase, flags in PHASE_FLAGS.items() if flag in flags]


def _require_phase_allows(voting_round: Round, *flags: str) -> None:
    """The round's step must allow one of `flags` (a proposal asked to change may still change while
    officers refine it); the refusal names the steps when it can be done."""
    if voting_round.archived:
        raise Conflict(i18n.gettext("This round is archived."))
    if any(flag in voting_round.flags for flag in flags):
        return
    opens = sorted({i18n.gettext(PUBLIC_PHASE_WORDS[p]) for flag in flags for p in _phase_for(flag)})
    now = i18n.gettext(PUBLIC_PHASE_WORDS[Phase(voting_round.phase)])
    raise Conflict(i18n.gettext("This round is at the step \"%(now)s\". This can be done during: %(opens)s.",
                                now=now, opens=", ".join(opens)))


def _ballot_still_open_to_change(voting_round: Round) -> None:
    if voting_round.vote_status != VoteStatus.draft:
        raise Conflict(i18n.gettext("Proposals cannot be added or changed once voting has opened: every voter must see "
                                    "the same ballot."))


def _staff_id(actor: Actor) -> int | None:
    kind, _, number = actor.ref.partition(":")
    return int(number) if kind == "staff" and number.isdigit() else None


def refuse_if_interested(session: Session, actor: Actor, proposal: Proposal, action: str) -> None:
    """An officer or member who declared an interest in this proposal, or its organisation, may not act on it."""
    staff_id = _staff_id(actor)
    if staff_id is None:
        return
    declaration = interests.has_interest(session, staff_id, proposal)
    if declaration is not None:
        raise NotAllowed(interests.refusal(session, declaration, action))


def _load(session: Session, round_id: int, proposal_id: int, *, for_update: bool = False) -> tuple[Round, Proposal]:
    voting_round = governance_repo.get_round(session, round_id, for_update=for_update)
    return voting_round, repository.get_proposal(session, round_id, proposal_id)


def _check_proposer(proposal: Proposal, proposer_id: int) -> None:
    if proposal.proposer_id is None or proposal.proposer_id != proposer_id:
        raise NotAllowed(i18n.gettext("Only the resident who proposed this can change it."))


# --- residents ---------------------------------------------------------------------------------

def resident_actor(resident_id: int) -> Actor:
    return Actor(role="resident", ref=f"resident:{resident_id}")


def create_by_resident(session: Session, *, round_id: int, proposer_id: int, proposer_name: str,
                       content: ProposalContent, stated_total: int | None = None, photo: Photo | None = None,
                       submit: bool = False) -> Proposal:
    """A resident's proposal, saved as a draft or submitted for review. Only while ideas are collected."""
    voting_round = governance_repo.get_round(session, round_id)
    _require_phase_allows(voting_round, "submit_proposals")
    _ballot_still_open_to_change(voting_round)
    content = content.cleaned()
    cost = check_content(voting_round, content, stated_total=stated_total)
    if photo is not None and photo.content:
        check_photo(photo)
    proposal = Proposal(round_id=round_id, title="", cost=0, proposer_id=proposer_id,
                        proposer_name=storable(proposer_name)[:200],
                        status=ProposalStatus.submitted if submit else ProposalStatus.draft)
    _apply(proposal, content, cost)
    session.add(proposal)
    session.flush()
    _store_photo(session, proposal, photo)
    _keep_version(session, proposal, "the proposer", "submitted" if submit else "draft saved")
    if submit:
        audit.append(session, resident_actor(proposer_id), ProposalEvent.submitted, f"proposal:{proposal.id}",
                     {"round": f"round:{round_id}", "title": proposal.title, "cost": cost})
    else:  # a draft is the proposer's alone: the public trail learns only that one exists
        audit.append(session, resident_actor(proposer_id), ProposalEvent.drafted, f"proposal:{proposal.id}",
                     {"round": f"round:{round_id}"})
    return proposal


def edit_by_resident(session: Session, *, round_id: int, proposal_id: int, proposer_id: int,
                     content: ProposalContent, stated_total: int | None = None, photo: Photo | None = None,
                     submit: bool = False) -> Proposal:
    """The proposer changes their proposal: a draft or a submitted one while ideas are collected (until
    the review starts), one that needs changes while ideas are collected or refined."""
    voting_round, proposal = _load(session, round_id, proposal_id)
    _check_proposer(proposal, proposer_id)
    _ballot_still_open_to_change(voting_round)
    if proposal.status not in EDITABLE_BY_PROPOSER:
        raise Conflict(i18n.gettext("This proposal is \"%(status)s\"; it can no longer be changed by its proposer. "
                                    "Send the officers a message instead.", status=proposal.status_words))
    if proposal.status == ProposalStatus.needs_changes:
        _require_phase_allows(voting_round, "submit_proposals", "refine_proposals")
    else:
        _require_phase_allows(voting_round, "submit_proposals")
    content = content.cleaned()
    cost = check_content(voting_round, content, stated_total=stated_total)
    if photo is not None and photo.content:
        check_photo(photo)
    before = snapshot(session, proposal)
    was = proposal.status
    _apply(proposal, content, cost)
    _store_photo(session, proposal, photo)
    if submit and was in (ProposalStatus.draft, ProposalStatus.needs_changes):
        proposal.status = ProposalStatus.submitted
    after = snapshot(session, proposal)
    changed = sorted(name for name in after if before[name] != after[name])
    if not changed:
        return proposal
    note = "resubmitted after changes" if was == ProposalStatus.needs_changes and submit else (
        "submitted" if submit and was == ProposalStatus.draft else "edited")
    _keep_version(session, proposal, "the proposer", note)
    actor = resident_actor(proposer_id)
    if proposal.status == ProposalStatus.draft:
        audit.append(session, actor, ProposalEvent.drafted, f"proposal:{proposal_id}", {"round": f"round:{round_id}"})
    elif was == ProposalStatus.draft:
        audit.append(session, actor, ProposalEvent.submitted, f"proposal:{proposal_id}",
                     {"round": f"round:{round_id}", "title": proposal.title, "cost": cost})
    else:
        audit.append(session, actor, ProposalEvent.edited, f"proposal:{proposal_id}",
                     {"round": f"round:{round_id}", "changed": changed, "status": proposal.status})
    return proposal


def withdraw_by_resident(session: Session, *, round_id: int, proposal_id: int, proposer_id: int) -> Proposal:
    voting_round, proposal = _load(session, round_id, proposal_id)
    _check_proposer(proposal, proposer_id)
    _ballot_still_open_to_change(voting_round)
    if proposal.status in (ProposalStatus.withdrawn, ProposalStatus.merged, ProposalStatus.on_ballot,
                           ProposalStatus.funded):
        raise Conflict(i18n.gettext("This proposal is \"%(status)s\"; it cannot be withdrawn now.",
                                    status=proposal.status_words))
    proposal.status = ProposalStatus.withdrawn
    _keep_version(session, proposal, "the proposer", "withdrawn")
    audit.append(session, resident_actor(proposer_id), ProposalEvent.withdrawn, f"proposal:{proposal_id}",
                 {"round": f"round:{round_id}"})
    return proposal


def post_message(session: Session, actor: Actor, *, round_id: int, proposal_id: int, author: str, body: str,
                 proposer_id: int | None = None) -> ProposalMessage:
    """A message on the proposal between its proposer and the officers (the proposer passes proposer_id)."""
    voting_round, proposal = _load(session, round_id, proposal_id)
    if proposer_id is not None:
        _check_proposer(proposal, proposer_id)
    body = storable(body)
    if not body:
        raise InvalidInput(i18n.gettext("Write a message first."), field="body")
    if len(body) > MAX_MESSAGE:
        raise InvalidInput(i18n.gettext("A message can be at most %(most)s characters (this one has %(has)s).",
                                        most=f"{MAX_MESSAGE:,}", has=f"{len(body):,}"), field="body")
    if proposal.status == ProposalStatus.draft and proposer_id is None:
        raise NotAllowed("This proposal is a draft; only its proposer sees it.")
    message = ProposalMessage(proposal_id=proposal_id, from_staff_id=_staff_id(actor), author=author[:200],
                              body=body)
    session.add(message)
    session.flush()
    audit.append(session, actor, ProposalEvent.message_posted, f"proposal:{proposal_id}",
                 {"round": f"round:{round_id}"})
    return message


# --- officers ---------------------------------------------------------------------------------

def staff_author(session: Session, actor: Actor) -> str:
    staff_id = _staff_id(actor)
    from governance.models import StaffAccount

    staff = session.get(StaffAccount, staff_id) if staff_id else None
    return f"{actor.role} {staff.display_name}" if staff else actor.role


def add_proposal(session: Session, actor: Actor, *, round_id: int, title: str, cost: int, summary: str = "",
                 location: str = "", delivered_by: str = "") -> Proposal:
    """An officer puts a proposal straight on the ballot, with one cost figure (the PB-day way)."""
    voting_round = governance_repo.get_round(session, round_id)
    _ballot_still_open_to_change(voting_round)
    title, summary, location, delivered_by = map(storable, (title, summary, location, delivered_by))
    _check_on_ballot(session, voting_round, title=title, cost=cost)
    _check_lengths(title=title, summary=summary, location=location, delivered_by=delivered_by)
    proposal = Proposal(round_id=round_id, title=title, cost=cost, summary=summary, location=location,
                        delivered_by=delivered_by, status=ProposalStatus.on_ballot,
                        entered_by_staff_id=_staff_id(actor))
    session.add(proposal)
    session.flush()
    _keep_version(session, proposal, staff_author(session, actor), "put on the ballot")
    audit.append(session, actor, ProposalEvent.submitted, f"proposal:{proposal.id}",
                 {"round": f"round:{round_id}", "title": proposal.title, "cost": cost})
    return proposal


def _check_lengths(**texts: str) -> None:
    for name, value in texts.items():
        if len(value) > LIMITS[name]:
            raise InvalidInput(f"{LABELS[name]} can be at most {LIMITS[name]:,} characters "
                               f"(it has {len(value):,}).", field=name)


def _check_on_ballot(session: Session, voting_round: Round, *, title: str, cost: int,
                     proposal_id: int | None = None) -> None:
    if not title.strip():
        raise InvalidInput("A proposal needs a title.", field="title")
    twin = next((p for p in repository.on_ballot(session, voting_round.id)
                 if p.id != proposal_id and title_key(p.title) == title_key(title)), None)
    if twin is not None:
        raise InvalidInput(f"\"{twin.title}\" is already on this ballot. Give this proposal a title voters can "
                           "tell apart, or edit the one already there.", field="title")
    if cost <= 0:
        raise InvalidInput("A proposal's cost must be more than zero.", field="cost")
    if cost > cap_for(voting_round):
        raise InvalidInput(f"A proposal cannot cost more than the whole budget ({voting_round.budget:,}).",
                           field="cost")


def edit_proposal(session: Session, actor: Actor, *, round_id: int, proposal_id: int, title: str, cost: int,
                  summary: str = "", location: str = "", delivered_by: str = "") -> Proposal:
    """Correct an officer-entered proposal before voting opens; the versions keep what it said before."""
    voting_round, proposal = _load(session, round_id, proposal_id)
    _ballot_still_open_to_change(voting_round)
    if proposal.status == ProposalStatus.withdrawn:
        raise Conflict("This proposal was withdrawn; it cannot be edited.")
    refuse_if_interested(session, actor, proposal, "edit or cost")
    title, summary, location, delivered_by = map(storable, (title, summary, location, delivered_by))
    _check_on_ballot(session, voting_round, title=title, cost=cost, proposal_id=proposal_id)
    _check_lengths(title=title, summary=summary, location=location, delivered_by=delivered_by)
    new = {"title": title, "cost": cost, "summary": summary, "location": location, "delivered_by": delivered_by}
    changed = {name: value for name, value in new.items() if getattr(proposal, name) != value}
    for name, value in changed.items():
        setattr(proposal, name, value)
    if "cost" in changed and proposal.lines:
        # One figure replaces the lines: they would no longer add up to it.
        proposal.cost_lines = json.dumps([{"item": "Total, as corrected by an officer", "amount": cost}])
    session.add(proposal)
    if changed:
        _keep_version(session, proposal, staff_author(session, actor), "corrected by an officer")
        audit.append(session, actor, ProposalEvent.edited, f"proposal:{proposal_id}", {
            "round": f"round:{round_id}", **{k: v for k, v in changed.items() if k in ("title", "cost")},
            "changed": sorted(changed)})
    return proposal


def withdraw_proposal(session: Session, actor: Actor, *, round_id: int, proposal_id: int) -> Proposal:
    """Take a proposal off the ballot before voting opens. It stays on record, marked withdrawn."""
    voting_round, proposal = _load(session, round_id, proposal_id)
    _ballot_still_open_to_change(voting_round)
    if proposal.status == ProposalStatus.withdrawn:
        raise Conflict("This proposal is already withdrawn.")
    refuse_if_interested(session, actor, proposal, "withdraw")
    proposal.status = ProposalStatus.withdrawn
    _keep_version(session, proposal, staff_author(session, actor), "withdrawn by an officer")
    audit.append(session, actor, ProposalEvent.withdrawn, f"proposal:{proposal_id}", {"round": f"round:{round_id}"})
    return proposal


def enter_on_behalf(session: Session, actor: Actor, *, round_id: int, proposer_name: str,
                    content: ProposalContent, stated_total: int | None = None) -> Proposal:
    """An officer types in a resident's paper form (from a meeting); marked as entered on their behalf.

    It is submitted at once and reviewed like any other. Possible until voting opens."""
    voting_round = governance_repo.get_round(session, round_id)
    _ballot_still_open_to_change(voting_round)
    proposer_name = storable(proposer_name)
    if not proposer_name:
        raise InvalidInput("Give the name of the resident on the paper form.", field="proposer_name")
    if len(proposer_name) > 200:
        raise InvalidInput("The resident's name can be at most 200 characters.", field="proposer_name")
    content = content.cleaned()
    cost = check_content(voting_round, content, stated_total=stated_total)
    proposal = Proposal(round_id=round_id, title="", cost=0, proposer_name=proposer_name, entered_on_behalf=True,
                        entered_by_staff_id=_staff_id(actor), status=ProposalStatus.submitted)
    _apply(proposal, content, cost)
    session.add(proposal)
    session.flush()
    _keep_version(session, proposal, staff_author(session, actor), "entered from a paper form")
    audit.append(session, actor, ProposalEvent.submitted, f"proposal:{proposal.id}",
                 {"round": f"round:{round_id}", "title": proposal.title, "cost": cost, "on_behalf": True})
    return proposal


def review_proposal(session: Session, actor: Actor, *, round_id: int, proposal_id: int, decision: str,
                    reason: str = "") -> Proposal:
    """Eligible, needs changes or not eligible; the reason is what the proposer reads."""
    voting_round, proposal = _load(session, round_id, proposal_id)
    _ballot_still_open_to_change(voting_round)
    if decision not in DECISIONS:
        raise InvalidInput("Choose eligible, needs changes or not eligible.", field="decision")
    status = DECISIONS[decision]
    refuse_if_interested(session, actor, proposal,
                         "review" if status == ProposalStatus.needs_changes else "decide on")
    if proposal.status not in REVIEWABLE:
        raise Conflict(f"This proposal is \"{proposal.status_words}\"; it cannot be reviewed.")
    reason = storable(reason)
    if status != ProposalStatus.eligible and not reason:
        raise InvalidInput("Say why: the proposer reads this to know what to change or why it cannot go ahead.",
                           field="reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason can be at most {MAX_REASON:,} characters.", field="reason")
    if proposal.status == status and proposal.review_reason == reason:
        return proposal
    proposal.status, proposal.review_reason = status, reason
    _keep_version(session, proposal, staff_author(session, actor), f"reviewed: {status.value.replace('_', ' ')}")
    audit.append(session, actor, ProposalEvent.reviewed, f"proposal:{proposal_id}",
                 {"round": f"round:{round_id}", "decision": str(status)})
    return proposal


def adjust_costs(session: Session, actor: Actor, *, round_id: int, proposal_id: int,
                 cost_lines: list[tuple[str, int]], note: str, stated_total: int | None = None) -> Proposal:
    """An officer corrects the cost lines (a quote came in higher, a line was missing), saying why."""
    voting_round, proposal = _load(session, round_id, proposal_id)
    _ballot_still_open_to_change(voting_round)
    refuse_if_interested(session, actor, proposal, "cost")
    if proposal.status in (ProposalStatus.draft, ProposalStatus.withdrawn, ProposalStatus.merged):
        raise Conflict(f"This proposal is \"{proposal.status_words}\"; its costs cannot be adjusted.")
    note = storable(note)
    if not note:
        raise InvalidInput("Add a note saying why the costs changed; the proposer and the public read it.",
                           field="note")
    if len(note) > MAX_REASON:
        raise InvalidInput(f"The note can be at most {MAX_REASON:,} characters.", field="note")
    content = content_of(proposal)
    content.cost_lines = [(storable(item), amount) for item, amount in cost_lines]
    cost = check_content(voting_round, content, stated_total=stated_total)
    if proposal.status == ProposalStatus.on_ballot:
        _check_on_ballot(session, voting_round, title=proposal.title, cost=cost, proposal_id=proposal_id)
    before = proposal.cost
    _apply(proposal, content, cost)
    _keep_version(session, proposal, staff_author(session, actor), f"costs adjusted: {note}")
    audit.append(session, actor, ProposalEvent.costs_adjusted, f"proposal:{proposal_id}",
                 {"round": f"round:{round_id}", "from": before, "cost": cost})
    return proposal


def merge_proposals(session: Session, actor: Actor, *, round_id: int, proposal_id: int, into_id: int,
                    note: str = "") -> Proposal:
    """Fold a duplicate into another proposal; both proposers are credited. Reversible until voting opens."""
    voting_round, source = _load(session, round_id, proposal_id)
    _ballot_still_open_to_change(voting_round)
    target = repository.get_proposal(session, round_id, into_id)
    if source.id == target.id:
        raise InvalidInput("Choose another proposal to merge this one into.", field="into_id")
    refuse_if_interested(session, actor, source, "merge")
    refuse_if_interested(session, actor, target, "merge")
    for proposal in (source, target):
        if proposal.status not in MERGEABLE:
            raise Conflict(f"\"{proposal.title}\" is \"{proposal.status_words}\"; it cannot be merged.")
    if repository.merged_into(session, source.id):
        raise Conflict(f"Other proposals were merged into \"{source.title}\"; merge the others into the same one "
                       "instead, or undo those merges first.")
    note = storable(note)[:MAX_REASON]
    source.status_before_merge, source.status = source.status, ProposalStatus.merged
    source.merged_into_id = target.id
    author = staff_author(session, actor)
    _keep_version(session, source, author, f"merged into \"{target.title}\"" + (f": {note}" if note else ""))
    _keep_version(session, target, author, f"\"{source.title}\" merged into it" + (f": {note}" if note else ""))
    audit.append(session, actor, ProposalEvent.merged, f"proposal:{source.id}",
                 {"round": f"round:{round_id}", "into": f"proposal:{target.id}"})
    return target


def unmerge_proposal(session: Session, actor: Actor, *, round_id: int, proposal_id: int) -> Proposal:
    voting_round, source = _load(session, round_id, proposal_id)
    _ballot_still_open_to_change(voting_round)
    if source.status != ProposalStatus.merged or source.merged_into_id is None:
        raise Conflict("This proposal is not merged into another.")
    target = repository.get_proposal(session, round_id, source.merged_into_id)
    refuse_if_interested(session, actor, source, "merge")
    refuse_if_interested(session, actor, target, "merge")
    source.status = source.status_before_merge or ProposalStatus.submitted
    source.status_before_merge, source.merged_into_id = "", None
    author = staff_author(session, actor)
    _keep_version(session, source, author, f"merge into \"{target.title}\" undone")
    _keep_version(session, target, author, f"\"{source.title}\" taken out again")
    audit.append(session, actor, ProposalEvent.unmerged, f"proposal:{source.id}",
                 {"round": f"round:{round_id}", "from": f"proposal:{target.id}"})
    return source


def hide_proposal(session: Session, actor: Actor, *, round_id: int, proposal_id: int, reason: str) -> Proposal:
    """A moderator hides a proposal from the public pages (abuse, personal details); the proposer sees why."""
    voting_round, proposal = _load(session, round_id, proposal_id)
    refuse_if_interested(session, actor, proposal, "moderate")
    if proposal.status in (ProposalStatus.on_ballot, ProposalStatus.funded):
        raise Conflict("A proposal on the ballot cannot be hidden; withdraw it before voting opens instead.")
    reason = storable(reason)
    if not reason:
        raise InvalidInput("Say why it is hidden; the proposer reads it.", field="hide_reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason can be at most {MAX_REASON:,} characters.", field="hide_reason")
    if proposal.hidden_reason:
        raise Conflict("This proposal is already hidden.")
    proposal.hidden_reason = reason
    _keep_version(session, proposal, staff_author(session, actor), "hidden by a moderator")
    audit.append(session, actor, ProposalEvent.hidden, f"proposal:{proposal_id}", {"round": f"round:{round_id}"})
    return proposal


def unhide_proposal(session: Session, actor: Actor, *, round_id: int, proposal_id: int) -> Proposal:
    voting_round, proposal = _load(session, round_id, proposal_id)
    refuse_if_interested(session, actor, proposal, "moderate")
    if not proposal.hidden_reason:
        raise Conflict("This proposal is not hidden.")
    proposal.hidden_reason = ""
    _keep_version(session, proposal, staff_author(session, actor), "shown again by a moderator")
    audit.append(session, actor, ProposalEvent.unhidden, f"proposal:{proposal_id}", {"round": f"round:{round_id}"})
    return proposal


def place_eligible_on_ballot(session: Session, actor: Actor, round_id: int) -> list[Proposal]:
    """When voting opens: every eligible (and not hidden) proposal goes on the ballot. The running
    order is then fixed (by id, the order they came in) and nothing on the ballot changes during the vote."""
    placed = []
    for proposal in repository.for_round(session, round_id):
        if proposal.status == ProposalStatus.eligible and not proposal.hidden_reason:
            proposal.status = ProposalStatus.on_ballot
            _keep_version(session, proposal, "the system", "placed on the ballot as voting opened")
            audit.append(session, actor, ProposalEvent.placed_on_ballot, f"proposal:{proposal.id}",
                         {"round": f"round:{round_id}"})
            placed.append(proposal)
    return placed


def mark_funded(session: Session, round_id: int, selected: list[int]) -> None:
    """When the results are published: the projects the count chose are funded (still on the ballot)."""
    chosen = set(selected)
    for proposal in repository.on_ballot(session, round_id):
        if proposal.id in chosen and proposal.status != ProposalStatus.funded:
            proposal.status = ProposalStatus.funded
            _keep_version(session, proposal, "the system", "funded by the residents' vote")


def credited(session: Session, proposal: Proposal, *, public: bool) -> list[str]:
    """Who proposed it: its own proposer and those of the duplicates merged into it.

    The public sees only the name a resident chose to show on their own account, as it is now (so
    clearing it takes it off every page); a name an officer copied from a paper form is for staff.
    """
    names: list[str] = []
    for each in [proposal, *repository.merged_into(session, proposal.id)]:
        name = _public_name(session, each) if public else each.proposer_name
        if name and name not in names:
            names.append(name)
    return names


def _public_name(session: Session, proposal: Proposal) -> str:
    from residents.models import ANONYMOUS_NAME, Resident
    resident = session.get(Resident, proposal.proposer_id) if proposal.proposer_id else None
    return resident.shown_name if resident else ANONYMOUS_NAME

