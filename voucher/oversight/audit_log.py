"""The admin's view of the parish's audit trail and of the shops' scan log."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from voucher.auth.access import parish_id, role_required
from voucher.auth.models import Role
from voucher.oversight import queries
from voucher.oversight.sentences import scan_sentence, sentence, who

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
    "voucher_delivered": _l("Vale entregado"),
    "settlement_reference_changed": _l("Referencia de pago cambiada"),
}

SCAN_REASONS = {
    "": _l("—"),
    "unknown_code": _l("Código no encontrado o mal escrito"),
    "already_used": _l("Vale ya usado"),
    "insufficient_balance": _l("Monto mayor que el saldo"),
    "expired": _l("Vale vencido"),
    "cancelled": _l("Vale anulado o reemplazado"),
    "replaced": _l("Papel reemplazado (se pidió el vale nuevo)"),
    "category_not_accepted": _l("Categoría no aceptada"),
    "shop_not_enrolled": _l("Comercio no adherido"),
    "bad_amount": _l("Monto no válido"),
    "rate_limited": _l("Bloqueado por demasiados intentos"),
}


def _page_number() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def _data(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {"": text}
    return data if isinstance(data, dict) else {"": data}


def _sentences(pid: int, events: list) -> dict[int, str]:
    """Each event of the page as a sentence, with the names its ids stand for."""
    data = {e.id: _data(e.detail) for e in events}

    def refs(kind: str, key: str) -> set:
        found = {d.get(key) for d in data.values()}
        found |= {e.object_id for e in events if e.object_type == kind}
        return {i for i in found if isinstance(i, int)}

    people = queries.user_roles(e.user_id for e in events)
    shops = queries.shop_names(refs("shop", "shop_id") | {e.shop_id for e in events})
    programs = queries.program_names(pid, refs("program", "program_id"))
    families = queries.family_names(pid, refs("family", "family_id"))
    serials = queries.voucher_serials(pid, refs("voucher", "voucher_id"))
    payments = queries.settlement_methods(pid, refs("settlement", "settlement_id"))
    told = {}
    for e in events:
        detail = data[e.id]
        own = e.object_id if e.object_type else None

        def pick(kind: str, key: str, table: dict, event=e, detail=detail, own=own) -> Any:
            ref = detail.get(key) or (own if event.object_type == kind else None)
            return table.get(ref)

        name, role = people.get(e.user_id, (None, None))
        shop = pick("shop", "shop_id", shops) or shops.get(e.shop_id)
        method, reference = (
            payments.get(own, (None, None)) if e.object_type == "settlement" else (None, None)
        )
        names = {
            "shop": shop,
            "program": pick("program", "program_id", programs),
            "family": pick("family", "family_id", families),
            "serial": detail.get("serial") or pick("voucher", "voucher_id", serials),
            "settlement": f"{own:06d}" if e.object_type == "settlement" and own else None,
            "method": method,
            "reference": reference,
        }
        told[e.id] = sentence(e.action, who(name, role), detail, names)
    return told


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
        sentences=_sentences(pid, events),
        details={e.id: list(_data(e.detail).items()) for e in events},
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
    people = queries.user_roles(r.user_id for r in rows)
    shop_names = queries.shop_names(r.shop_id for r in rows)
    serials = queries.voucher_serials(pid, (r.voucher_id for r in rows))
    told = {
        r.id: scan_sentence(
            r.action,
            r.result,
            who(*people.get(r.user_id, (None, None))),
            serials.get(r.voucher_id),
            shop_names.get(r.shop_id),
            str(SCAN_REASONS.get(r.reason, r.reason)).lower(),
        )
        for r in rows
    }
    return render_template(
        "audit/scans.html",
        page=page,
        rows=rows,
        sentences=told,
        reasons=SCAN_REASONS,
        result=result,
    )
