"""Response bodies of the model board."""

from datetime import date, datetime

from pydantic import BaseModel, Field


class ModelVersionRead(BaseModel):
    version: str
    aliases: list[str] = Field(description="champion, challenger: the aliases pointing at this version")
    created_at: datetime
    status: str
    run_id: str | None
    metrics: dict[str, float] = Field(description="The training run's metrics (eval_*, cv_*...)")
    params: dict[str, str]


class RegisteredModelRead(BaseModel):
    name: str
    label: str
    aliases: dict[str, str] = Field(description="alias -> version")
    versions: list[ModelVersionRead] = Field(description="Newest first")


class DispatchFigures(BaseModel):
    accepted: int = Field(description="The dispatcher kept the model's first department")
    overridden: int = Field(description="The dispatcher chose another department")
    auto: int = Field(description="The model dispatched alone (not in the accept rate)")
    accept_rate: float | None = Field(description="accepted / (accepted + overridden)")


class DispatchDay(DispatchFigures):
    day: date


class DispatchVersion(DispatchFigures):
    model_name: str
    model_version: str


class DispatchTotal(DispatchFigures):
    undecided: int = Field(description="Recommendations made in the window still waiting for a decision")


class DispatchAcceptance(BaseModel):
    total: DispatchTotal
    by_day: list[DispatchDay]
    by_version: list[DispatchVersion]


class PushFigures(BaseModel):
    sent: int
    opened: int
    dismissed: int
    converted: int
    matured_sent: int
    matured_converted: int
    suppressed: int
    acceptance_rate: float | None = Field(description="matured_converted / matured_sent")


class PushVersion(PushFigures):
    key: str | None = Field(description="The recommender's model version")


class PushAcceptance(BaseModel):
    conversion_days: int
    total: PushFigures
    by_version: list[PushVersion]


class AcceptanceReport(BaseModel):
    days: int
    period_from: date
    period_to: date = Field(description="exclusive")
    generated_at: datetime
    dispatch: DispatchAcceptance
    pushes: PushAcceptance
