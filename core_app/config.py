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
    analytics_self_service_online: bool = Field(default=False, description="网办率 counts self-service.")
    # The event loop's background work: SLA timers and outbox delivery.
    scheduler: str = Field(
        default="inprocess",
        description="inprocess (a thread in the API server), celery (workers with RabbitMQ), or off.",
    )
    celery_broker_url: str = Field(
        default="amqp://guest:guest@127.0.0.1:5672//", description="Celery broker."
    )
    scheduler_interval_seconds: int = Field(default=30, description="How often timers and the outbox run.")
    # Notification channels (each disabled while its URL is empty) and the city platform.
    dingtalk_api_url: str = Field(default="", description="DingTalk open API base, for work notices.")
    dingtalk_app_key: str = ""
    dingtalk_app_secret: str = ""
    dingtalk_agent_id: str = ""
    dingtalk_robot_url: str = Field(default="", description="DingTalk group robot webhook URL.")
    dingtalk_robot_secret: str = Field(default="", description="The robot's signing secret (SEC...).")
    sms_gateway_url: str = ""
    sms_api_key: str = ""
    sms_sign_name: str = "云管家"
    wecom_api_url: str = Field(default="", description="WeCom / 政务微信 API base.")
    wecom_corp_id: str = ""
    wecom_corp_secret: str = ""
    wecom_agent_id: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_sender: str = "butler@localhost"
    city_platform_url: str = Field(default="", description="The city platform's report-back endpoint.")
    city_platform_token: str = ""
    app_push_url: str = Field(default="", description="The app message centre (浙里办 / I盐田).")
    app_push_token: str = Field(default="", description="Bearer token for app_push_url.")
    # Proactive pushes (精准推送, DOMAIN §7.6); core_app.proactive.service documents the rules.
    push_score_threshold: float = Field(default=0.3, description="Push recommendations scoring >= this.")
    push_cap: int = Field(default=2, description="Pushes sent per subject per push_cap_days at most.")
    push_cap_days: int = 30
    push_repeat_days: int = Field(default=90, description="Never one matter to one subject twice within.")
    push_quiet_start: str = Field(default="21:00", description="District quiet hours start (HH:MM, local).")
    push_quiet_end: str = Field(default="08:00", description="District quiet hours end (HH:MM, local).")
    push_conversion_days: int = Field(default=30, description="Converted: the matter started within this.")
    push_active_days: int = Field(default=180, description="Recommend to subjects with a case in these days.")
    push_candidates: int = Field(default=5, description="Recommendations asked per subject (k).")
    push_daily_at: str = Field(default="09:00", description="Daily generation starts at (HH:MM, local).")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'butler.db').as_posix()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
