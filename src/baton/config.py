"""Settings, validated on construction and read through `get_settings()`, never at import."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from baton.store.sealed import check_key


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BATON_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./baton.db"
    policy: Path | None = Field(
        default=None, description="policy file; the shipped default if unset"
    )
    public_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr = SecretStr("")
    production: bool = Field(
        default=False, description="refuse to start without the keys production needs"
    )
    secrets_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s), comma-separated, sealing webhook secrets at rest; a "
        "development key when unset (refused in production)",
    )
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
    tenant_policy_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="how long a process trusts a tenant's policy it read; a policy changed by "
        "another process (the CLI, another worker) takes effect within this",
    )
    max_waiting_turns: int = Field(
        default=64,
        ge=0,
        le=100_000,
        description="turns one worker process lets wait for the store at once; past it a turn "
        "is answered 503 overloaded with Retry-After at once; 0 turns shedding off",
    )
    max_streams_per_key: int = Field(
        default=50,
        ge=1,
        le=10_000,
        description="event streams one API key may hold open at once, per worker process",
    )
    events_poll_seconds: float | None = Field(
        default=None,
        gt=0,
        le=600,
        description="how often an event stream re-reads the store: 0.25 s on SQLite; 5 s on "
        "PostgreSQL, where LISTEN/NOTIFY wakes it at once and polling is only the safety net",
    )
    webhook_allow_private: str = Field(
        default="",
        description="comma-separated addresses or CIDR networks that webhooks may reach although "
        "private (on-premises receivers); empty: public addresses only",
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

    @field_validator("webhook_allow_private")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"BATON_WEBHOOK_ALLOW_PRIVATE: {part!r} is not an address or network"
                ) from exc
        return value

    @field_validator("secrets_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            check_key(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _production_keys(self) -> Settings:
        if self.production and self.secrets_key is None:
            raise ValueError(
                "BATON_PRODUCTION is set but BATON_SECRETS_KEY is not: webhook secrets would be "
                "sealed with the public development key"
            )
        return self

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
