"""Issuing one voucher to a household, from its page ("Entregar vale"). The form offers
only the active programs the household is enrolled in; the service refuses any other
one, as a round would, and the page then links to enrolling it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from voucher.auth.access import get_scoped, role_required
from voucher.errors import DomainError, ValidationFailed
from voucher.extensions import db
from voucher.families.models import Family
from voucher.forms import form_error
from voucher.money import format_clp
from voucher.programs.models import Program
from voucher.programs.queries import enrolled_programs, list_programs
from voucher.vouchers import services
from voucher.vouchers.forms import IssueForm, parse_id
from voucher.vouchers.issuing import CycleLimitReached, NotEnrolled
from voucher.vouchers.views.common import WRITERS, bp, endpoint_url, family_url, issuer

# Where the household's page offers its enrolment in a program.
ENROL_ANCHOR = "programs-title"


@bp.route("/issue", methods=["GET", "POST"])
@role_required(*WRITERS)
def issue():
    family_id = parse_id(request.args.get("family_id"))
    if family_id is None:
        flash(_("Busque la familia y use «Entregar vale» en su página."), "info")
        return redirect(endpoint_url("families.index", "/families/"))
    family = get_scoped(Family, family_id)
    form = IssueForm()
    not_enrolled = False
    if form.validate_on_submit():
        program = db.session.get(Program, parse_id(form.program_id.data) or 0)
        try:
            if program is None:
                raise ValidationFailed([("program_id", _("Elija un programa."))])
            issued = services.issue_voucher(
                db.session,
                program=program,
                family=family,
                limit_override_reason=form.limit_override_reason.data or "",
                **issuer(),
            )
        except CycleLimitReached as error:
            form_error(form, error, field="limit_override_reason")
        except DomainError as error:
            form_error(form, error)
            not_enrolled = isinstance(error, NotEnrolled)
        else:
            flash(_("Vale %(serial)s emitido.", serial=issued.voucher.serial), "success")
            return redirect(url_for(".detail", voucher_id=issued.voucher.id))
    return _issue_page(form, get_scoped(Family, family_id), not_enrolled)


def _issue_page(form: IssueForm, family: Family, not_enrolled: bool):
    programs = enrolled_programs(db.session, family, active_only=True)
    form.program_id.choices = [
        SelectChoice(str(p.id), f"{p.name} · {format_clp(p.amount_for(family.household_size))}")
        for p in programs
    ]
    any_program = bool(programs or list_programs(db.session, family.parish_id, active_only=True))
    return render_template(
        "vouchers/issue.html",
        form=form,
        family=family,
        programs=programs,
        any_program=any_program,
        not_enrolled=not_enrolled,
        family_url=family_url(family.id),
        enrol_url=f"{family_url(family.id)}#{ENROL_ANCHOR}",
    )
