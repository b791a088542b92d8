from enum import StrEnum


class DeliveryEvent(StrEnum):
    grant_awarded = "grant.awarded"
    spend_recorded = "spend.recorded"
    underspend_returned = "grant.underspend_returned"
    spend_over_grant_allowed = "spend.over_grant_allowed"
    milestone_added = "milestone.added"
    milestone_done = "milestone.done"
    output_reported = "output.reported"
    outcome_estimated = "outcome.estimated"
