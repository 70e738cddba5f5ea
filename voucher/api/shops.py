"""API endpoints: shops."""

from __future__ import annotations
