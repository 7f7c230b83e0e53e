"""Dispatch recommendations: the model's department table for an event, stored with the model version."""
