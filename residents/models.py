"""Residents who propose and comment, and the single-use links they sign in with."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from governance.models import utcnow

# How the public sees a resident who chose no name, or whose name an officer copied from paper.
ANONYMOUS_NAME = "A resident"


class Resident(SQLModel, table=True):
    """A resident with an account. The email address is personal data: it never enters the audit
    log (the log names a resident as `resident:{id}`) and is shown only to the resident."""

    __tablename__ = "residents_resident"

    id: int | None = Field(default=None, primary_key=True)
    # Lower-cased and trimmed (residents.service.normalise_email), so one address is one account.
    email: str = Field(unique=True, index=True, max_length=254)
    # Shown instead of the email address wherever the resident's words appear; optional.
    display_name: str = Field(default="", max_length=80)
    created_at: datetime = Field(default_factory=utcnow)
    active: bool = True
    # Signed into the session cookie; signing out adds one, so every copy of the cookie stops working.
    session_version: int = 0

    @property
    def shown_name(self) -> str:
        return self.display_name or ANONYMOUS_NAME


class SignInLink(SQLModel, table=True):
    """A link sent by email. Only a keyed hash of its token is kept, so a copy of the database
    cannot be used to sign in. The account is made when the link is used, not when it is asked
    for, so typing someone else's address makes no account for them."""

    __tablename__ = "residents_sign_in_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    email: str = Field(index=True, max_length=254)
    # A keyed hash of the client's address, to throttle one machine asking for many links.
    client_hash: str = Field(default="", index=True)
    # Where to go once signed in (a path on this site).
    next_path: str = "/me"
    created_at: datetime = Field(default_factory=utcnow, index=True)
    expires_at: datetime
    used_at: datetime | None = None
