"""Typed domain errors. Each maps to one HTTP status, one stable reason code and one
translated message; the web UI and the JSON API render them from here."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext, lazy_ngettext


class DomainError(Exception):
    status = 400
    reason = "bad_request"
    message: Any = lazy_gettext("La solicitud no es válida.")

    def __init__(self, message: Any = None, *, field: str | None = None, **params: Any) -> None:
        self.params = params
        self.field = field
        if message is not None:
            self.message = message
        super().__init__(self.reason)

    @property
    def detail(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text

    def extra(self) -> dict[str, Any]:
        return {}


class NotFound(DomainError):
    status = 404
    reason = "not_found"
    message = lazy_gettext("No encontramos lo que busca.")


class Forbidden(DomainError):
    status = 403
    reason = "forbidden"
    message = lazy_gettext("Su perfil no permite hacer esto.")


class ValidationFailed(DomainError):
    """Bad input: carries field errors ``[(field, message)]``."""

    status = 422
    reason = "validation"
    message = lazy_gettext("Revise los datos marcados.")

    def __init__(self, errors: list[tuple[str, Any]], message: Any = None) -> None:
        super().__init__(message)
        self.errors = errors

    def extra(self) -> dict[str, Any]:
        return {"errors": [{"field": f, "message": str(m)} for f, m in self.errors]}


class Conflict(DomainError):
    status = 409
    reason = "conflict"
    message = lazy_gettext("La operación no es posible en el estado actual.")


class Duplicate(Conflict):
    reason = "duplicate"

    def __init__(self, message: Any = None, *, existing_id: int, **params: Any) -> None:
        super().__init__(message, **params)
        self.existing_id = existing_id

    def extra(self) -> dict[str, Any]:
        return {"existing_id": self.existing_id}

    @classmethod
    def refuse_existing(cls, session: Any, query: Any, message: Any, **params: Any) -> None:
        """Raise (409, with the row's id) when ``query``, a select of one row's id, finds
        a row already there."""
        existing_id = session.scalar(query)
        if existing_id is not None:
            raise cls(message, existing_id=existing_id, **params)


class IdempotencyMismatch(DomainError):
    status = 422
    reason = "idempotency_key_reused"
    message = lazy_gettext(
        "Esta clave de operación ya se usó con otros datos. Recargue la página e intente de nuevo."
    )


class RateLimited(DomainError):
    status = 429
    reason = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        if self.retry_after < 60:
            message = lazy_ngettext(
                "Demasiados intentos con códigos inválidos. Espere %(num)s segundo.",
                "Demasiados intentos con códigos inválidos. Espere %(num)s segundos.",
                self.retry_after,
            )
            super().__init__(message)
        else:
            minutes = (self.retry_after + 59) // 60
            message = lazy_ngettext(
                "Demasiados intentos con códigos inválidos. Espere %(num)s minuto.",
                "Demasiados intentos con códigos inválidos. Espere %(num)s minutos.",
                minutes,
            )
            super().__init__(message)


class ControlCharacters(DomainError):
    status = 422
    reason = "control_characters"
    message = lazy_gettext(
        "Lo enviado contiene caracteres no permitidos (de control). Escríbalo de nuevo, "
        "sin pegarlo desde otro programa."
    )
