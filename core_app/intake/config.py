"""Intake settings (prefix ``BUTLER_INTAKE_``): dedup thresholds, gazetteer cache and how dispatch runs."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IntakeSettings(BaseSettings):
    """What an operator may tune about intake without touching code."""

    model_config = SettingsConfigDict(env_prefix="BUTLER_INTAKE_", env_file=".env", extra="ignore")

    dedup_window_hours: int = Field(
        default=24, description="Dedup window of a source without an event_source_policies row."
    )
    dedup_distance_m: float = Field(default=150.0, description="Two reports this close are one place.")
    dedup_similarity: float = Field(
        default=0.30, description="Char-bigram Jaccard of the texts above which two reports say the same."
    )
    dedup_max_candidates: int = Field(default=50, description="Open events compared per new event, at most.")
    dispatch: str = Field(
        default="inline",
        description="inline: recommend and dispatch in the intake request; background: commit the event, "
        "then a worker thread of the server does it in batches; worker: commit the event and leave it to "
        "`butler intake dispatch-worker` processes (highest throughput).",
    )
    dispatch_batch_size: int = Field(default=64, description="Events per background dispatch batch.")
    dispatch_sweep_seconds: int = Field(
        default=30, description="Received events older than this are swept up by the background worker."
    )
    gazetteer_check_seconds: float = Field(
        default=30.0, description="How often a process checks whether the gazetteer table changed."
    )


@lru_cache
def get_intake_settings() -> IntakeSettings:
    return IntakeSettings()
