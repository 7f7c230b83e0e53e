"""Portraits (画像) of enterprises, citizens, staff and windows: pure functions over aggregated records."""

from features.portraits.applicants import ApplicantRecords, citizen_portraits, enterprise_portraits
from features.portraits.rules import TAGS, THRESHOLDS, Thresholds
from features.portraits.workforce import StaffRecords, WindowRecords, staff_portraits, window_portraits

__all__ = [
    "TAGS",
    "THRESHOLDS",
    "ApplicantRecords",
    "StaffRecords",
    "Thresholds",
    "WindowRecords",
    "citizen_portraits",
    "enterprise_portraits",
    "staff_portraits",
    "window_portraits",
]
