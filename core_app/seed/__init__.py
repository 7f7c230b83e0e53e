"""The demo district generator behind ``butler seed``."""

from core_app.seed.scales import SCALES, Scale, ScaleSpec
from core_app.seed.service import DistrictExistsError, SeedError, SeedReport, seed_district

__all__ = ["SCALES", "DistrictExistsError", "Scale", "ScaleSpec", "SeedError", "SeedReport", "seed_district"]
