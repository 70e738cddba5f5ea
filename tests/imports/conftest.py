"""The API clients of tests/api, for the import endpoints."""

from tests.api.conftest import as_role, seed, tokens  # noqa: F401
