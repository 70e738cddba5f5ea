"""Views that take a file: a larger body than the app's 1 MB, for them alone.

The limit must be set before anything reads the body (the CSRF check reads the form), so
it is applied by a URL value preprocessor, which Flask runs before the before_request
functions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request

# A multipart body is the file plus its boundaries and the form's other fields.
MULTIPART_MARGIN = 64 * 1024


def accepts_upload(max_file_bytes: int) -> Callable[[Callable], Callable]:
    """Mark a view as taking a file of up to ``max_file_bytes`` (place it outermost)."""

    def mark(view: Callable) -> Callable:
        view.upload_limit = max_file_bytes  # type: ignore[attr-defined]
        return view

    return mark


def upload_limit(endpoint: str | None) -> int | None:
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "upload_limit", None)


def apply_upload_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """A blueprint's url_value_preprocessor: raise the body limit for upload views."""
    limit = upload_limit(endpoint)
    if limit is not None:
        request.max_content_length = limit + MULTIPART_MARGIN
