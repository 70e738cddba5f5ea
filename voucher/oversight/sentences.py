"""The audit trail and the scan log told in sentences, in the reader's language:
"María (tesorería) pagó $51.000 a Almacén Rosita — transferencia 12345".

Pure: an event's action, who did it and what its detail names (already looked up: shop,
program, family, voucher, settlement) in; one sentence out. An action without a sentence
of its own reads as its label. The raw detail stays on the page for an auditor.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from voucher.money import format_clp

ROLE_WORDS = {
    "admin": _l("administración"),
    "staff": _l("voluntariado"),
    "treasurer": _l("tesorería"),
    "shopkeeper": _l("comercio"),
    "device": _l("teléfono"),
}
METHOD_WORDS = {
    "transfer": _l("transferencia"),
    "cash": _l("efectivo"),
    "cheque": _l("cheque"),
}

SENTENCES = {
    "login": _l("%(who)s inició sesión."),
    "login_failed": _l("Intento fallido de inicio de sesión con %(email)s."),
    "user_created": _l("%(who)s creó la cuenta de %(email)s (%(role)s)."),
    "token_created": _l("%(who)s creó un token de API."),
    "token_revoked": _l("%(who)s revocó un token de API."),
    "family_created": _l("%(who)s registró a la familia %(family)s."),
    "family_updated": _l("%(who)s modificó los datos de la familia %(family)s."),
    "family_viewed": _l("%(who)s consultó la ficha de la familia %(family)s."),
    "family_exported": _l("%(who)s exportó los datos de la familia %(family)s."),
    "family_anonymised": _l("%(who)s anonimizó a la familia %(family)s."),
    "family_activated": _l("%(who)s reactivó a la familia %(family)s."),
    "family_deactivated": _l("%(who)s desactivó a la familia %(family)s."),
    "program_created": _l("%(who)s creó el programa %(program)s."),
    "program_updated": _l("%(who)s modificó el programa %(program)s."),
    "family_enrolled": _l("%(who)s inscribió a la familia %(family)s en %(program)s."),
    "voucher_issued": _l("%(who)s emitió el vale %(serial)s por %(amount)s a %(family)s."),
    "round_issued": _l("%(who)s emitió una ronda de %(program)s: %(issued)s vales por %(total)s."),
    "voucher_cancelled": _l(
        "%(who)s anuló el vale %(serial)s (%(reason)s); volvieron %(returned)s al fondo."
    ),
    "voucher_replaced": _l("%(who)s reemplazó el vale %(serial)s por pérdida (%(reason)s)."),
    "voucher_delivered": _l("%(who)s entregó el vale %(serial)s%(collected)s."),
    "vouchers_expired": _l("Vencieron %(count)s vales; su saldo volvió a los fondos."),
    "shop_created": _l("%(who)s registró el comercio %(shop)s."),
    "shop_updated": _l("%(who)s modificó los datos del comercio %(shop)s."),
    "shop_enrolled": _l("%(who)s adhirió el comercio %(shop)s a la parroquia."),
    "shop_enrolment_activated": _l("%(who)s reactivó el comercio %(shop)s."),
    "shop_enrolment_deactivated": _l("%(who)s puso en pausa el comercio %(shop)s."),
    "shopkeeper_created": _l("%(who)s creó la cuenta %(email)s para el comercio %(shop)s."),
    "redemption": _l("%(who)s cobró %(amount)s del vale %(serial)s en %(shop)s."),
    "redemption_voided": _l("%(who)s anuló un canje de %(amount)s en %(shop)s (%(reason)s)."),
    "fund_recorded": _l("%(who)s registró %(amount)s recibidos para %(program)s."),
    "settlement_proposed": _l("%(who)s propuso pagar %(amount)s a %(shop)s — %(method)s."),
    "settlement_approved": _l("%(who)s aprobó el pago de %(amount)s a %(shop)s."),
    "settlement_paid": _l("%(who)s pagó %(amount)s a %(shop)s — %(method)s."),
    "settlement_rejected": _l("%(who)s rechazó la propuesta de pago N° %(settlement)s."),
    "settlement_reversed": _l("%(who)s revirtió el pago N° %(settlement)s (%(reason)s)."),
    "settlement_reference_changed": _l(
        "%(who)s cambió la referencia del pago N° %(settlement)s: «%(before)s» → «%(after)s»."
    ),
    "period_closed": _l("%(who)s cerró los libros hasta el %(closed_through)s."),
    "families_imported": _l(
        "%(who)s importó la planilla %(file_name)s: %(created)s familias nuevas, "
        "%(updated)s actualizadas, %(rejected)s filas rechazadas."
    ),
    "shops_imported": _l(
        "%(who)s importó la planilla de comercios %(file_name)s: %(created)s comercios "
        "nuevos, %(updated)s actualizados, %(rejected)s filas rechazadas."
    ),
    "cycle_limit_overridden": _l(
        "%(who)s emitió el vale %(serial)s a %(family)s sobre el límite del ciclo: %(reason)s."
    ),
    "document_checked_across_parishes": _l(
        "%(who)s revisó si el documento de %(family)s está inscrito en otra parroquia."
    ),
    "donor_created": _l("%(who)s agregó a %(name)s a la lista de donantes."),
    "logout": _l("%(who)s cerró su sesión."),
    "password_changed": _l("%(who)s cambió su contraseña; sus otras sesiones se cerraron."),
    "password_reset_issued": _l("%(who)s entregó un enlace para elegir contraseña a %(email)s."),
    "password_reset_used": _l("%(who)s eligió una contraseña nueva con su enlace."),
    "sessions_ended": _l("%(who)s cerró todas sus sesiones."),
    "user_sessions_ended": _l("%(who)s cerró todas las sesiones de %(email)s."),
    "user_deactivated": _l("%(who)s desactivó la cuenta de %(email)s."),
    "user_reactivated": _l("%(who)s reactivó la cuenta de %(email)s."),
    "role_changed": _l("%(who)s cambió el perfil de %(email)s: %(before)s → %(after)s."),
    "device_pairing_started": _l(
        "%(who)s creó un enlace para vincular el teléfono «%(name)s» a %(shop)s."
    ),
    "device_paired": _l("El teléfono «%(name)s» quedó vinculado a %(shop)s."),
    "device_unlinked": _l("%(who)s desvinculó el teléfono «%(name)s» de %(shop)s."),
    "shop_payment_details_changed": _l(
        "%(who)s modificó los datos para pagarle al comercio %(shop)s."
    ),
    "shop_join_requested": _l("%(who)s pidió adherir el comercio %(shop)s a su parroquia."),
    "shop_join_accepted": _l("%(who)s aceptó que %(shop)s tome los vales de otra parroquia."),
    "shop_join_declined": _l("%(who)s rechazó una solicitud para adherir %(shop)s."),
}


class _Blank(dict):
    """Formatting values: a name the event does not carry reads as a dash."""

    def __missing__(self, key: str) -> str:
        return "—"


def who(name: str | None, role: str | None) -> str:
    """'María (tesorería)'; the system itself when nobody acted."""
    if not name:
        return _("El sistema")
    word = ROLE_WORDS.get(role or "")
    return f"{name} ({word})" if word else name


def _printed(actor: str, detail: Mapping[str, Any]) -> str:
    serials = list(detail.get("serials") or [])
    count = int(detail.get("count") or len(serials) or 0)
    again = detail.get("reprint")
    if count == 1 and serials:
        if again:
            return _(
                "%(who)s imprimió el vale %(serial)s (reimpresión).", who=actor, serial=serials[0]
            )
        return _("%(who)s imprimió el vale %(serial)s.", who=actor, serial=serials[0])
    text = ngettext(
        "%(who)s imprimió %(num)s vale.", "%(who)s imprimió %(num)s vales.", count, who=actor
    )
    return f"{text} ({_('reimpresión')})" if again else text


def sentence(action: str, actor: str, detail: Mapping[str, Any], names: Mapping[str, Any]) -> str:
    """One event as a sentence. ``detail``: the event's own data; ``names``: what it
    refers to, looked up (shop, program, family, serial, settlement, method, reference)."""
    if action == "vouchers_printed":
        return _printed(actor, detail)
    if action == "two_person_rule":
        if detail.get("enabled"):
            return _("%(who)s activó la regla de dos personas para los pagos.", who=actor)
        return _("%(who)s desactivó la regla de dos personas para los pagos.", who=actor)
    if action == "sessions_ended" and detail.get("email"):
        action = "user_sessions_ended"  # an admin closed someone else's sessions
    template = SENTENCES.get(action)
    if template is None:
        return f"{actor}: {action.replace('_', ' ')}"
    values = _Blank({k: v for k, v in detail.items() if v not in (None, "")})
    values.update({k: v for k, v in names.items() if v not in (None, "")})
    values["who"] = actor
    for key in ("amount", "total", "returned"):
        if isinstance(values.get(key), int):
            values[key] = format_clp(values[key])
    for key in ("role", "before", "after"):
        if key in values and action in ("user_created", "role_changed"):
            values[key] = str(ROLE_WORDS.get(values[key], values[key]))
    if "method" in values:
        method = str(METHOD_WORDS.get(values["method"], values["method"]))
        reference = values.get("reference")
        values["method"] = f"{method} {reference}" if reference else method
    note = values.get("delivered_to")
    values["collected"] = _(" (retiró: %(who)s)", who=note) if note else ""
    return str(template) % values


SCAN_SENTENCES = {
    ("lookup", "ok"): _l("%(who)s consultó el vale %(serial)s en %(shop)s: aceptado."),
    ("lookup", "refused"): _l(
        "%(who)s consultó el vale %(serial)s en %(shop)s: rechazado, %(reason)s."
    ),
    ("redeem", "ok"): _l("%(who)s cobró el vale %(serial)s en %(shop)s."),
    ("redeem", "refused"): _l(
        "%(who)s intentó cobrar el vale %(serial)s en %(shop)s: rechazado, %(reason)s."
    ),
}


def scan_sentence(
    action: str, result: str, actor: str, serial: str | None, shop: str | None, reason: str
) -> str:
    template = SCAN_SENTENCES.get((action, result)) or SCAN_SENTENCES[("lookup", result or "ok")]
    values = _Blank(who=actor, reason=reason)
    if serial:
        values["serial"] = serial
    else:
        values["serial"] = _("(código desconocido)")
    if shop:
        values["shop"] = shop
    return str(template) % values
