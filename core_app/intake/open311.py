"""Open311 GeoReport v2 (being written)."""

from fastapi import APIRouter

PREFIX = "/open311/v2"
router = APIRouter()
