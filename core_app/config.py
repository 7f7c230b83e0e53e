"""Runtime configuration, read once from the environment (prefix ``BUTLER_``)."""

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class Settings(BaseSettings):
    """Everything an operator may change without touching code."""

    model_config = SettingsConfigDict(env_prefix="BUTLER_", env_file=".env", extra="ignore")

    var_dir: Path = Field(default=Path("var"), description="Where runtime state (SQLite, caches) lives.")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite under var_dir.")
    data_dir: Path = Field(default=Path("var/data"), description="Imports, exports and reports.")
    log_level: str = "INFO"
    pii_hash_key: str = Field(
        default="cloud-butler-dev-key",
        description="HMAC key for ID-number hashes; set a secret one in production.",
    )
    jwt_secret: str = Field(
        default="cloud-butler-dev-jwt-secret-change-me-in-production",
        description="HMAC key for access and refresh tokens; set a long random one in production.",
    )
    access_token_minutes: int = 15
    refresh_token_days: int = 7
    login_max_failures: int = Field(default=5, description="Failed logins before the account locks.")
    login_lockout_minutes: int = 15
    oidc_issuer_url: str = Field(default="", description="Unified identity provider (OIDC) issuer URL.")
    oidc_client_id: str = ""
    oidc_auto_provision: bool = Field(
        default=False, description="Create a user without roles for an unknown SSO identity."
    )
    demo_password_pattern: str = Field(
        default="demo-{username}-2026", description="DEMO ONLY: passwords of `butler user demo`."
    )
    work_intervals: str = Field(
        default="08:30-12:00,13:30-17:30", description="Hall working intervals, comma separated."
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'butler.db').as_posix()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
