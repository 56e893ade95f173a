"""Application settings, read once from the environment (``ADWATCH_`` prefix) and passed explicitly.

Nothing imports a module-level settings object: the CLI builds ``AppSettings()`` and hands it to every
component, so tests can build their own with a temporary database and data directory.
"""

from __future__ import annotations

import shutil
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_DIR = Path(__file__).resolve().parent
DEV_SECRET = "dev-only-insecure-secret-change-me"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def find_chromium() -> str | None:
    """Path of a Chromium binary: Debian's first, since Playwright's own download cannot work offline."""
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


class AppSettings(BaseSettings):
    """Settings (env ``ADWATCH_*``). ``env`` other than ``dev`` refuses the default secret key."""

    model_config = SettingsConfigDict(env_prefix="ADWATCH_", extra="ignore", frozen=True)

    env: Literal["dev", "test", "prod"] = "dev"
    data_dir: Path = Field(default=Path("var"), description="Blobs (photos), logs and the default SQLite DB.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir.")
    config_dir: Path = Field(default=CONFIG_DIR, description="Folder with sites/, lexicons/, scoring.yaml.")
    sites_path: Path | None = Field(
        default=None, validation_alias="ADWATCH_SITES_DIR",
        description="Folder of site YAML files, when not config_dir/sites (the rest of the config stays bundled).")
    secret_key: str = Field(default=DEV_SECRET, description="Signs session cookies and CSRF tokens.")
    chromium_path: str | None = Field(default_factory=find_chromium)
    default_region: str = Field(default="DK", description="Region for phone numbers without country code.")
    retention_days: int = Field(default=90, ge=1, description="Raw pages and photos are purged after this.")
    max_page_bytes: int = Field(default=4_000_000, ge=10_000, description="Larger responses are cut off.")
    photo_max_bytes: int = Field(default=8_000_000, ge=1_000)
    photo_max_pixels: int = Field(default=40_000_000, ge=10_000)
    photos_per_ad: int = Field(default=12, ge=0)
    photo_fetch: Literal["curl", "session", "scrapy"] = Field(
        default="curl", description="Photo bytes by libcurl (one multi handle on the crawl's event loop), over one "
        "shared aiohttp session, or a Scrapy request each.")
    read_jobs: int = Field(default=0, ge=0, description="Reading processes (0: one per core, from 2,000 waiting ads).")
    redis_url: str | None = Field(default=None, description="Optional shared queue (scrapy-redis).")
    log_level: str = "INFO"
    public_url: str = Field(default="http://127.0.0.1:8000",
                            description="The dashboard's address as users reach it (links in alert e-mails).")
    smtp_host: str | None = Field(default=None, description="Mail server for saved-search alerts; unset = no e-mail.")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", description="starttls (port 587), ssl (port 465), or none (a relay on localhost only).")
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = Field(default="adwatch@localhost", description="Sender address of alert e-mails.")

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> AppSettings:
        if self.env == "prod" and self.secret_key == DEV_SECRET:
            raise ValueError("[C001] ADWATCH_SECRET_KEY must be set to a random value when ADWATCH_ENV=prod")
        return self

    @cached_property
    def db_url(self) -> str:
        """database_url (str): the configured URL, or SQLite in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'adwatch.db').resolve()}"

    @property
    def sites_dir(self) -> Path:
        """sites_dir (Path): ``ADWATCH_SITES_DIR`` when set, else ``config_dir/sites``."""
        return self.sites_path if self.sites_path is not None else self.config_dir / "sites"

    @property
    def lexicons_dir(self) -> Path:
        return self.config_dir / "lexicons"

    @property
    def blobs_dir(self) -> Path:
        return self.data_dir / "blobs"
