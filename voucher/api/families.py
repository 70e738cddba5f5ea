"""API endpoints: families."""

from __future__ import annotations
