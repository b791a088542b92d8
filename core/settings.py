"""Settings read from the environment (and a `.env` file if present)."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{VAR_DIR / 'common-purse.db'}"
    # Signs session cookies and keys the HMACs of pass codes. Set it in production.
    secret_key: str = "dev-only-secret-change-me"
    # Base64 of a 32-byte Ed25519 seed; when empty a key is kept in var/audit-signing.key.
    audit_signing_key: str = ""
    session_cookie_secure: bool = False
    site_name: str = "Common Purse"
    # Days after a round's results are published before its register is purged to counts.
    register_retention_days: int = 90


@lru_cache
def get_settings() -> Settings:
    return Settings()
