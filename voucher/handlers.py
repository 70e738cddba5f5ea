"""Error handling in one place: problem+json on the API, friendly Spanish pages on the
web, and never a stack trace for a user."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from voucher.auth.access import Unauthenticated, is_api_request
from voucher.contention import RETRY_AFTER_SECONDS, is_transient
from voucher.errors import DomainError, RateLimited
from voucher.extensions import db
from voucher.observability import request_id

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://vales.example/problems/"


def _titles() -> dict[int, str]:
    return {
        400: gettext("Solicitud no válida"),
        401: gettext("Debe identificarse"),
        403: gettext("Sin permiso"),
        404: gettext("No encontrado"),
        405: gettext("Método no permitido"),
        409: gettext("Conflicto"),
        410: gettext("Ya no es válido"),
        413: gettext("Solicitud demasiado grande"),
        415: gettext("Formato no soportado"),
        422: gettext("Datos no válidos"),
        429: gettext("Demasiados intentos"),
        500: gettext("Error interno"),
        503: gettext("Servicio ocupado"),
    }


def _generic_detail(status: int) -> str:
    return {
        400: gettext("La solicitud no es válida."),
        401: gettext("Falta un token válido: use la cabecera Authorization: Bearer <token>."),
        403: gettext("Su perfil no permite hacer esto."),
        404: gettext("No encontramos lo que busca."),
        405: gettext("Esta dirección no acepta ese método."),
        413: gettext("La solicitud es demasiado grande."),
        415: gettext("Envíe los datos como JSON."),
        429: gettext("Demasiados intentos. Espere un momento e intente de nuevo."),
        500: gettext("Algo falló de nuestro lado. Nada fue modificado; intente de nuevo."),
    }.get(status, HTTPStatus(status).phrase)


def problem(status: int, reason: str, detail: str, **extra: Any) -> Response:
    body = {
        "type": PROBLEM_BASE + reason,
        "title": _titles().get(status, HTTPStatus(status).phrase),
        "status": status,
        "detail": detail,
        "reason": reason,
    }
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="vales"'
    return response


def _page(status: int, detail: str | None = None) -> tuple[str, int]:
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=_titles().get(status, HTTPStatus(status).phrase),
            detail=detail or _generic_detail(status),
            request_id=request_id() if status >= 500 else None,
        ),
        status,
    )


def error_response(status: int, reason: str, detail: str) -> Response:
    """The answer to an error as its asker reads it: problem+json on the API, a page on
    the web."""
    if is_api_request():
        return problem(status, reason, detail)
    return current_app.make_response(_page(status, detail))


def _domain_error(error: DomainError) -> Any:
    db.session.rollback()
    if is_api_request():
        response = problem(error.status, error.reason, error.detail, **error.extra())
    else:
        response = _page(error.status, error.detail)
    if isinstance(error, RateLimited):
        response = current_app.make_response(response)
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _unauthenticated(_error: Unauthenticated) -> Any:
    if is_api_request():
        return problem(401, "unauthenticated", _generic_detail(401))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _csrf_error(_error: CSRFError) -> Any:
    db.session.rollback()
    return _page(
        400,
        gettext(
            "El formulario expiró o no es válido. Vuelva atrás, recargue la página "
            "e intente de nuevo."
        ),
    )


def _http_error(error: HTTPException) -> Any:
    db.session.rollback()
    status = error.code or 500
    if is_api_request():
        reason = (
            "rate_limited" if status == 429 else HTTPStatus(status).phrase.lower().replace(" ", "_")
        )
        response = problem(status, reason, _generic_detail(status))
    else:
        response = current_app.make_response(_page(status))
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        response.headers["Allow"] = ", ".join(valid_methods)  # RFC 9110 §15.5.6
    if status == 429 and error.response is not None:
        retry = error.response.headers.get("Retry-After")
        if retry:
            response.headers["Retry-After"] = retry
    return response


def _unexpected(error: Exception) -> Any:
    db.session.rollback()
    if is_transient(error):
        response = error_response(
            503,
            "busy",
            gettext(
                "Hay mucha actividad en este momento y no se modificó nada. "
                "Intente de nuevo en unos segundos."
            ),
        )
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    # The route's pattern, not its path: a path can carry a voucher code.
    rule = request.url_rule.rule if request.url_rule is not None else "-"
    log.exception("unhandled error on %s %s", request.method, rule)
    if is_api_request():
        return problem(500, "internal_error", _generic_detail(500))
    return _page(500)


def register_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(Unauthenticated, _unauthenticated)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
