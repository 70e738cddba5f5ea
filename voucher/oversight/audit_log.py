"""The admin's view of the parish's audit trail and of the shops' scan log."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from voucher.auth.access import parish_id, role_required
from voucher.auth.models import Role
from voucher.oversight import queries

bp = Blueprint("audit", __name__, url_prefix="/audit")

ACTION_LABELS = {
    "login": _l("Inicio de sesión"),
    "user_created": _l("Cuenta creada"),
    "token_created": _l("Token de API creado"),
    "token_revoked": _l("Token de API revocado"),
    "login_failed": _l("Ingreso fallido"),
    "logout": _l("Cierre de sesión"),
    "password_changed": _l("Contraseña cambiada"),
    "password_reset_issued": _l("Enlace para nueva contraseña entregado"),
    "password_reset_used": _l("Contraseña elegida con enlace"),
    "user_deactivated": _l("Cuenta desactivada"),
    "user_reactivated": _l("Cuenta reactivada"),
    "sessions_ended": _l("Sesiones cerradas"),
    "role_changed": _l("Perfil cambiado"),
    "device_pairing_started": _l("Enlace para vincular un teléfono creado"),
    "device_paired": _l("Teléfono vinculado"),
    "device_unlinked": _l("Teléfono desvinculado"),
    "family_created": _l("Familia registrada"),
    "family_updated": _l("Familia modificada"),
    "family_viewed": _l("Ficha de familia consultada"),
    "family_exported": _l("Datos de familia exportados"),
    "family_anonymised": _l("Familia anonimizada"),
    "family_activated": _l("Familia reactivada"),
    "family_deactivated": _l("Familia desactivada"),
    "program_created": _l("Programa creado"),
    "program_updated": _l("Programa modificado"),
    "family_enrolled": _l("Familia inscrita en programa"),
    "voucher_issued": _l("Vale emitido"),
    "round_issued": _l("Ronda de vales emitida"),
    "vouchers_printed": _l("Vales impresos"),
    "voucher_cancelled": _l("Vale anulado"),
    "voucher_replaced": _l("Vale reemplazado"),
    "vouchers_expired": _l("Vales vencidos"),
    "shop_created": _l("Comercio registrado"),
    "shop_updated": _l("Comercio modificado"),
    "shop_enrolled": _l("Comercio adherido"),
    "shop_enrolment_activated": _l("Comercio reactivado"),
    "shop_enrolment_deactivated": _l("Comercio en pausa"),
    "shopkeeper_created": _l("Cuenta de comercio creada"),
    "shop_payment_details_changed": _l("Datos para pagarle al comercio modificados"),
    "shop_join_requested": _l("Solicitud para adherir un comercio"),
    "shop_join_accepted": _l("Solicitud para adherir un comercio aceptada"),
    "shop_join_declined": _l("Solicitud para adherir un comercio rechazada"),
    "redemption": _l("Canje"),
    "redemption_voided": _l("Canje anulado"),
    "fund_recorded": _l("Fondo recibido"),
    "settlement_proposed": _l("Pago propuesto"),
    "settlement_approved": _l("Pago aprobado"),
    "settlement_paid": _l("Pago a comercio"),
    "settlement_rejected": _l("Pago rechazado"),
    "settlement_reversed": _l("Pago revertido"),
    "period_closed": _l("Mes cerrado"),
    "two_person_rule": _l("Regla de dos personas cambiada"),
}

SCAN_REASONS = {
    "": _l("—"),
    "unknown_code": _l("Código no encontrado o mal escrito"),
    "already_used": _l("Vale ya usado"),
    "insufficient_balance": _l("Monto mayor que el saldo"),
    "expired": _l("Vale vencido"),
    "cancelled": _l("Vale anulado o reemplazado"),
    "category_not_accepted": _l("Categoría no aceptada"),
    "shop_not_enrolled": _l("Comercio no adherido"),
    "bad_amount": _l("Monto no válido"),
    "rate_limited": _l("Bloqueado por demasiados intentos"),
}


def _page_number() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def _detail(text: str) -> list[tuple[str, Any]]:
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return [("", text)]
    return list(data.items()) if isinstance(data, dict) else [("", data)]


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    pid = parish_id()
    actions = queries.audit_actions(pid)
    action = request.args.get("action", "")
    if action not in actions:
        action = ""
    page = queries.audit_events(pid, action, _page_number())
    events = list(page.items)
    return render_template(
        "audit/index.html",
        page=page,
        events=events,
        names=queries.user_names(e.user_id for e in events),
        details={e.id: _detail(e.detail) for e in events},
        actions=actions,
        action=action,
        labels=ACTION_LABELS,
    )


@bp.route("/scans")
@role_required(Role.ADMIN)
def scans():
    """Every lookup and redemption attempt about the parish's vouchers, and the unknown
    codes tried by its shops. The codes themselves are never shown."""
    pid = parish_id()
    result = request.args.get("result", "")
    if result not in ("ok", "refused"):
        result = ""
    page = queries.scan_log(pid, result, _page_number())
    rows = list(page.items)
    return render_template(
        "audit/scans.html",
        page=page,
        rows=rows,
        names=queries.user_names(r.user_id for r in rows),
        shop_names=queries.shop_names(r.shop_id for r in rows),
        serials=queries.voucher_serials(pid, (r.voucher_id for r in rows)),
        reasons=SCAN_REASONS,
        result=result,
    )
