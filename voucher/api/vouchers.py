"""API endpoints: vouchers."""

from __future__ import annotations
