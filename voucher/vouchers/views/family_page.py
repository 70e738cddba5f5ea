"""The household's own page and its export, on the families blueprint (their URLs and
endpoint names are ``families.*``): they show its programs and its vouchers, so they
are composed here, above both."""

from __future__ import annotations

import json

from flask import redirect, render_template, url_for
from wtforms import SelectChoice

from voucher.auth.access import current_parish, get_scoped, require_actor, role_required
from voucher.auth.forms import EmptyForm
from voucher.auth.models import Role, User
from voucher.dates import local_today
from voucher.extensions import db
from voucher.families import services as families
from voucher.families.models import Family
from voucher.families.views import FAMILY_ROLES
from voucher.families.views import bp as families_bp
from voucher.programs.forms import EnrolForm
from voucher.programs.queries import enrolments_of, programs_open_to
from voucher.responses import attachment
from voucher.sqlite import writes_database
from voucher.vouchers.family_export import export_family
from voucher.vouchers.queries import family_vouchers
from voucher.vouchers.rules import effective_status, state_of


@families_bp.route("/<int:family_id>", endpoint="detail")
@writes_database  # records who viewed the household
@role_required(*FAMILY_ROLES)
def family_detail(family_id: int):
    family = get_scoped(Family, family_id)
    user = require_actor()
    families.record_view(db.session, family, user)
    today = local_today(current_parish().timezone)
    vouchers = [
        (voucher, effective_status(state_of(voucher), today).value)
        for voucher in family_vouchers(db.session, family)
    ]
    enrol_form = EnrolForm()
    enrol_form.program_id.choices = [
        SelectChoice(str(p.id), p.name) for p in programs_open_to(db.session, family)
    ]
    return render_template(
        "families/detail.html",
        family=family,
        document=families.display_document(family),
        consent_by=db.session.get(User, family.consent_by_id) if family.consent_by_id else None,
        enrolments=enrolments_of(db.session, family),
        vouchers=vouchers,
        enrol_form=enrol_form,
        is_admin=user.role == Role.ADMIN,
        can_issue=True,
        can_link_voucher=True,
    )


@families_bp.route("/<int:family_id>/export", methods=["POST"], endpoint="export")
@role_required(Role.ADMIN)
def family_export(family_id: int):
    family = get_scoped(Family, family_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("families.detail", family_id=family.id))
    data = export_family(db.session, family, require_actor())
    return attachment(
        json.dumps(data, ensure_ascii=False, indent=2),
        "application/json",
        f"familia-{family.id}.json",
        no_store=True,
    )
