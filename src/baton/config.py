"""Settings, validated on construction and read through `get_settings()`, never at import."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BATON_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./baton.db"
    policy: Path | None = Field(
        default=None, description="policy file; the shipped default if unset"
    )
    public_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr = SecretStr("")
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    model_cache_dir: Path = Path(".baton-cache")
    require_api_key: bool = True
    rate_limit_per_minute: int = Field(
        default=600, ge=0, description="sustained requests a minute per API key; 0 turns it off"
    )
    rate_limit_burst: int = Field(default=120, ge=1, description="requests at once per API key")
    tenant_rate_limit_per_minute: int = Field(
        default=0,
        ge=0,
        description="sustained requests a minute per tenant, all its keys together; 0 turns it off",
    )
    api_key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="how long a worker trusts an API key it checked; a revoked key stops "
        "working within this",
    )
    events_poll_seconds: float | None = Field(
        default=None,
        gt=0,
        le=600,
        description="how often an event stream re-reads the store: 0.25 s on SQLite; 5 s on "
        "PostgreSQL, where LISTEN/NOTIFY wakes it at once and polling is only the safety net",
    )
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = Field(default=8.0, gt=0, le=120)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_ca_file: Path | None = Field(
        default=None, description="CA bundle to trust for STARTTLS; the system store if unset"
    )
    smtp_from: str = "baton@localhost"
    team_email: str | None = None

    @field_validator("database_url")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("BATON_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def event_poll_interval(self) -> float:
        if self.events_poll_seconds is not None:
            return self.events_poll_seconds
        return 0.25 if self.is_sqlite else 5.0


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
