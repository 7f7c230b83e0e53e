"""Placeholder router; filled in by issue 8."""

from fastapi import APIRouter

router = APIRouter()
