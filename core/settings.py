"""Settings read from the environment (and a `.env` file if present)."""

import contextlib
import os
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"
SECRET_KEY_FILE = "secret.key"

# Keys that were ever a default or an example: anyone can read them, so anyone could sign a
# staff session cookie with them. The application refuses to start with one.
KNOWN_SECRET_KEYS = frozenset({
    "dev-only-secret-change-me", "test-secret-key", "change-me", "changeme", "secret", "secret-key",
    "your-secret-key", "insecure",
})
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT = 10


class WeakSecretKey(ValueError):
    pass


def write_private_file(path: Path, text: str) -> None:
    """Create a file only its owner can read, with no moment at which it is readable by others."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(text)


def load_or_create_secret(path: Path) -> str:
    """The key kept in `path`, made at random on first start."""
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another worker made it a moment ago
            write_private_file(path, secrets.token_urlsafe(48))
    path.chmod(0o600)
    return path.read_text().strip()


def check_secret_key(key: str) -> str:
    if key.strip().lower() in KNOWN_SECRET_KEYS:
        raise WeakSecretKey("SECRET_KEY is set to a published example value; anyone could forge a staff "
                            "session with it. Unset it (a random key is then kept in var/secret.key) or set "
                            "a long random value, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'.")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise WeakSecretKey(f"SECRET_KEY is too short to be secret: use at least {MIN_SECRET_KEY_LENGTH} "
                            "random characters, or unset it to have one made in var/secret.key.")
    # A random key of 32 or more characters uses many different ones (a hex key all sixteen digits);
    # "aaaa..." or spaces padded to length do not.
    if len(set(key)) < MIN_SECRET_KEY_DISTINCT:
        raise WeakSecretKey("SECRET_KEY is too repetitive to be secret: use a long random value, e.g. "
                            "python -c 'import secrets; print(secrets.token_urlsafe(48))', or unset it to have "
                            "one made in var/secret.key.")
    return key


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{VAR_DIR / 'common-purse.db'}"
    # Signs session cookies and keys the HMACs of pass codes. When empty, a random key is made on
    # first start and kept in var/secret.key (owner-only), beside the audit signing key.
    secret_key: str = ""
    # Base64 of a 32-byte Ed25519 seed; when empty a key is kept in var/audit-signing.key.
    audit_signing_key: str = ""
    # Every signed checkpoint is appended here too, outside the database (default var/audit-witness.txt).
    audit_witness_file: str = ""
    # The address residents and screens use; the desk's QR codes point here (never at the Host header).
    public_url: str = "http://127.0.0.1:8000"
    # Host names this server answers to, comma-separated; the public URL's host is always added.
    allowed_hosts: str = "127.0.0.1,localhost"
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (uvicorn's forwarded_allow_ips).
    trusted_proxies: str = "127.0.0.1"
    # Always mark the session cookie Secure (it is marked Secure anyway on HTTPS requests).
    session_cookie_secure: bool = False
    # A staff session ends after this many minutes without a request, and after 12 hours in any case.
    staff_idle_minutes: int = 30
    staff_session_hours: int = 12
    site_name: str = "Common Purse"
    # How long ballots already started may still be confirmed after the chair closes the vote.
    close_grace_seconds: int = 120
    # Residents sign in by a link sent by email: through this SMTP server when SMTP_HOST is set,
    # otherwise written as .eml files to OUTBOX_DIR (default var/outbox) for a developer to read.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "Common Purse <no-reply@localhost>"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    outbox_dir: str = ""
    # How long a resident's sign-in link works (it works once).
    resident_link_minutes: int = 30

    @model_validator(mode="after")
    def _secret_key_is_secret(self) -> "Settings":
        if not self.secret_key:
            self.secret_key = load_or_create_secret(VAR_DIR / SECRET_KEY_FILE)
        check_secret_key(self.secret_key)
        return self

    @property
    def outbox_path(self) -> Path:
        return Path(self.outbox_dir) if self.outbox_dir else VAR_DIR / "outbox"

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def host_names(self) -> list[str]:
        names = [h.strip() for h in self.allowed_hosts.split(",") if h.strip()]
        public_host = urlsplit(self.public_url).hostname
        if public_host and public_host not in names:
            names.append(public_host)
        return names
    # Staff sign-in through the council's OpenID Connect provider (off while the issuer is empty).
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""

    # Days after a round's results are published before its register is purged to counts.
    register_retention_days: int = 90
    # Days after a partnership decision is recorded during which scrutiny can call it in.
    call_in_days: int = 10
    # How often each worker looks for open rounds due an hourly checkpoint (see voting/hourly.py).
    hourly_checkpoint_poll_seconds: int = 60


@lru_cache
def get_settings() -> Settings:
    return Settings()
