"""A certified round's awards as 360Giving JSON (the UK standard councils publish grants in)."""

import json
import re

from sqlmodel import Session

from core.money import json_number
from delivery import repository, service
from governance import repository as governance_repo
from governance.models import as_utc
from proposals import repository as proposals_repo
from voting import certification
from voting.export import published_outcome


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unnamed"


def giving360_for_round(session: Session, round_id: int, *, base_url: str = "") -> str:
    """The awards of a certified round as a 360Giving data package: one grant per funded project.

    A project with a grant record gives its recipient's registered identifier (GB-CHC-, GB-COH-),
    award and planned dates and the money paid out so far; one without carries self-issued 360G-
    identifiers and the certification date as its award date."""
    voting_round, outcome = published_outcome(session, round_id, "A 360Giving export")
    record = certification.certification_of(session, round_id)
    partnership = governance_repo.get_partnership(session, voting_round.partnership_id)
    confirmed_at = as_utc(record.confirmed_at)
    award_date = confirmed_at.date().isoformat()
    funder = {"id": f"360G-commonpurse-{_slug(partnership.slug)}", "name": partnership.name}
    by_id = {p.id: p for p in proposals_repo.on_ballot(session, round_id)}
    grants = []
    for project_id in outcome["selected"]:
        project = by_id[project_id]
        recipient_name = project.delivered_by or project.title
        grant = {
            "id": f"360G-commonpurse-{_slug(partnership.slug)}-r{round_id}-p{project_id}",
            "title": project.title[:140],
            "description": project.summary or project.title,
            "currency": voting_round.currency,
            "amountAwarded": project.cost,
            "awardDate": award_date,
            "recipientOrganization": [{"id": f"360G-commonpurse-org-{_slug(recipient_name)}",
                                       "name": recipient_name}],
            "fundingOrganization": [funder],
            "grantProgramme": [{"code": f"r{round_id}", "title": voting_round.title}],
            "fromOpenCall": "Yes",
            "dateModified": confirmed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if voting_round.fund_source:
            grant["description"] += f" Funded from the {voting_round.fund_source}."
        if base_url:
            grant["url"] = f"{base_url.rstrip('/')}/rounds/{round_id}/results"
        record_of_grant = repository.grant_for_proposal(session, project_id)
        if record_of_grant is not None:
            grant["amountAwarded"] = record_of_grant.amount
            grant["awardDate"] = record_of_grant.award_date.isoformat()
            grant["recipientOrganization"] = [{"id": record_of_grant.recipient_id,
                                               "name": record_of_grant.recipient_name}]
            grant["plannedDates"] = [{"startDate": record_of_grant.planned_start.isoformat(),
                                      "endDate": record_of_grant.planned_end.isoformat()}]
            grant["amountDisbursed"] = json_number(service.spent(session, record_of_grant.id))
            if base_url:
                grant["url"] = f"{base_url.rstrip('/')}/projects/{record_of_grant.id}"
        grants.append(grant)
    package = {"grants": grants, "version": "1.4",
               "title": f"{partnership.name}: {voting_round.title} awards",
               "description": f"Awards decided by residents' vote and certified on {award_date}."}
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"

