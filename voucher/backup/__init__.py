"""Backups a volunteer can run and trust: one encrypted file with a consistent snapshot
of the whole database in an engine-neutral form, the voucher key and a manifest; checked
and restored into an empty SQLite or PostgreSQL database."""
