"""Readers across the domains: the audit log screens and `ledger verify`."""
