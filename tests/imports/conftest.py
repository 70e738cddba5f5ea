"""The API clients of tests/api, for the import endpoints."""

from tests.api.conftest import as_role, tokens  # noqa: F401
