"""Sizes of the demo district per scale."""

import enum
from dataclasses import dataclass


class Scale(enum.StrEnum):
    TEST = "test"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


@dataclass(frozen=True)
class ScaleSpec:
    cases: int
    events: int
    citizens: int
    enterprises: int
    block_size: int = 100_000


SCALES: dict[Scale, ScaleSpec] = {
    Scale.TEST: ScaleSpec(cases=2_500, events=600, citizens=1_500, enterprises=400),
    Scale.SMALL: ScaleSpec(cases=20_000, events=5_000, citizens=8_000, enterprises=2_000),
    Scale.MEDIUM: ScaleSpec(cases=200_000, events=30_000, citizens=60_000, enterprises=12_000),
    Scale.LARGE: ScaleSpec(cases=1_050_000, events=100_000, citizens=250_000, enterprises=40_000),
}


def scale_spec(scale: str | Scale) -> ScaleSpec:
    """The sizes for a scale name; a clear error for an unknown one."""
    try:
        return SCALES[Scale(scale)]
    except ValueError:
        names = ", ".join(s.value for s in Scale)
        raise ValueError(f"unknown scale {scale!r}: choose one of {names}") from None
