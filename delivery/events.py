from enum import StrEnum


class DeliveryEvent(StrEnum):
    grant_awarded = "grant.awarded"
    spend_recorded = "spend.recorded"
    spend_withdrawn = "spend.withdrawn"
    underspend_returned = "grant.underspend_returned"
    spend_over_grant_allowed = "spend.over_grant_allowed"
    milestone_added = "milestone.added"
    milestone_done = "milestone.done"
    output_reported = "output.reported"
    outcome_estimated = "outcome.estimated"
    recipient_link_issued = "recipient_link.issued"
    recipient_link_revoked = "recipient_link.revoked"
    photo_added = "project_photo.added"
    photo_shown = "project_photo.shown"
    photo_removed = "project_photo.removed"
