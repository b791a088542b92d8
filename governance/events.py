from enum import StrEnum


class GovernanceEvent(StrEnum):
    partnership_created = "partnership.created"
    staff_created = "staff.created"
    staff_locked = "staff.locked"
    staff_signed_in = "staff.signed_in"
    member_added = "member.added"
    round_created = "round.created"
    round_phase_changed = "round.phase_changed"
    round_ballot_settings_changed = "round.ballot_settings_changed"
