"""Password hashing, CSRF tokens and keyed hashes of short codes."""

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.settings import get_settings

_hasher = PasswordHasher()

# Letters and digits that cannot be mistaken for one another when read aloud or typed by
# someone who has never used a tablet: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy_hashes: dict[int, str] = {}


def dummy_password_hash() -> str:
    """A hash made with the current hasher's costs, checked when the username is unknown so that
    an unknown username takes as long to refuse as a wrong password."""
    key = id(_hasher)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hashes[key]


def keyed_hash(value: str) -> str:
    """HMAC, so a copy of the database alone cannot turn stored hashes back into codes."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def random_code(length: int, group: int = 4) -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return "-".join(raw[i : i + group] for i in range(0, length, group))


def normalise_code(text: str) -> str:
    """Upper case without spaces or dashes: how a code is typed varies, what it is does not."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a, b)
