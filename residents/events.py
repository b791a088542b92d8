from enum import StrEnum


class ResidentEvent(StrEnum):
    # "signin." actions are on the staff trail (scrutiny.repository.STAFF_TRAIL_PREFIXES): who signs in
    # and when is not the public's business.
    link_sent = "signin.link_sent"
    account_created = "signin.account_created"
    signed_in = "signin.resident_signed_in"
    signed_out = "signin.resident_signed_out"
    renamed = "signin.resident_renamed"
