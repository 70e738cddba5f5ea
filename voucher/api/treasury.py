"""API endpoints: treasury."""

from __future__ import annotations
