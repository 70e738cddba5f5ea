"""The brake's message says the wait the server means, in words that agree with it."""

from __future__ import annotations

import pytest

from voucher.errors import RateLimited


@pytest.mark.parametrize(
    ("seconds", "says"),
    [
        (1, "Espere 1 segundo."),
        (30, "Espere 30 segundos."),
        (60, "Espere 1 minuto."),
        (61, "Espere 2 minutos."),
        (600, "Espere 10 minutos."),
    ],
)
def test_the_wait_is_said_as_the_server_means_it(app, seconds, says):
    refused = RateLimited(retry_after=seconds)
    assert refused.detail.endswith(says)
    assert refused.retry_after == seconds
