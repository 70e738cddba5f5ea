"""Bringing a parish's spreadsheets in: read a file, preview what it would change (nothing
written but the preview itself), then confirm it in one transaction."""
