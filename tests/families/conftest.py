"""The API clients of tests/api, for the families tests that also speak to the API."""

from tests.api.conftest import as_role, tokens  # noqa: F401
