"""Rounds on the web: the list, the preview (who gets a voucher, who is left out and
why), its confirmation, and one round's page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from voucher.auth.access import current_parish, get_scoped, parish_id, role_required
from voucher.errors import DomainError
from voucher.extensions import db
from voucher.forms import form_error
from voucher.programs.models import Program
from voucher.programs.queries import list_programs
from voucher.vouchers import queries
from voucher.vouchers import rounds as rounds_service
from voucher.vouchers.forms import DeliveryForm, RoundConfirmForm, RoundProgramForm, parse_id
from voucher.vouchers.models import Round
from voucher.vouchers.printing import round_vouchers
from voucher.vouchers.views.common import (
    PER_PAGE,
    WRITERS,
    bp,
    family_url,
    issuer,
    program_choices,
    today,
)


@bp.route("/rounds")
@role_required(*WRITERS)
def rounds():
    page = queries.rounds_page(
        parish_id(), page=request.args.get("page", type=int), per_page=PER_PAGE
    )
    programs = {p.id: p for p in list_programs(db.session, parish_id())}
    return render_template("vouchers/rounds.html", page=page, programs=programs)


@bp.route("/rounds/new", methods=["GET", "POST"])
@role_required(*WRITERS)
def round_new():
    if request.method == "POST":
        return _confirm_round()
    programs = list_programs(db.session, parish_id(), active_only=True)
    choose = RoundProgramForm(request.args)
    choose.program_id.choices = program_choices(programs)
    program_id = parse_id(request.args.get("program_id"))
    if program_id is None:
        return render_template("vouchers/round_new.html", choose=choose, programs=programs)
    return _preview_page(get_scoped(Program, program_id), choose, programs)


def _preview_page(program: Program, choose: RoundProgramForm, programs: list[Program]):
    try:
        preview = rounds_service.preview_round(db.session, parish=current_parish(), program=program)
    except DomainError as error:
        flash(error.detail, "error")
        return render_template("vouchers/round_new.html", choose=choose, programs=programs), 409
    names = queries.family_names(
        db.session, program.parish_id, preview.eligible + [s["family_id"] for s in preview.skipped]
    )
    confirm = RoundConfirmForm(
        program_id=str(program.id),
        expected=str(len(preview.eligible)),
        after_round=str(rounds_service.latest_round_id(db.session, program.id)),
    )
    return render_template(
        "vouchers/round_preview.html",
        choose=choose,
        programs=programs,
        program=program,
        preview=preview,
        names=names,
        family_url=family_url,
        confirm=confirm,
    )


def _confirm_round():
    form = RoundConfirmForm()
    program_id = parse_id(form.program_id.data)
    if not form.validate_on_submit() or program_id is None:
        flash(_("El formulario expiró. Revise la vista previa y confirme de nuevo."), "error")
        return redirect(url_for(".round_new"))
    program = get_scoped(Program, program_id)
    preview_again = redirect(url_for(".round_new", program_id=program.id))
    try:
        # A second tap, a reload or a colleague's round since the preview is refused
        # (under the program's lock), and that round is shown instead.
        result = rounds_service.issue_round(
            db.session,
            program=program,
            after_round=parse_id(form.after_round.data) or 0,
            expected=_shown(form.expected.data),
            **issuer(),
        )
    except rounds_service.RoundAlreadyIssued as error:
        form_error(form, error, category="info")
        return redirect(url_for(".round_detail", round_id=error.round_id))
    except rounds_service.PreviewChanged as error:
        form_error(form, error, category="info")
        return preview_again
    except DomainError as error:
        form_error(form, error)
        return preview_again
    flash(_("Ronda emitida: %(n)s vales.", n=len(result.voucher_ids)), "success")
    return redirect(url_for(".round_detail", round_id=result.round.id))


def _shown(text: str | None) -> int:
    """How many vouchers the preview showed (-1, never true, if the form lost it)."""
    cleaned = (text or "").strip()
    return int(cleaned) if cleaned.isdigit() and len(cleaned) <= 9 else -1


@bp.route("/rounds/<int:round_id>")
@role_required(*WRITERS)
def round_detail(round_id: int):
    issue = get_scoped(Round, round_id)
    skipped = queries.skipped_of(issue)
    papers = round_vouchers(db.session, issue, today=today())
    names = queries.family_names(
        db.session,
        issue.parish_id,
        [s["family_id"] for s in skipped] + [v.family_id for v in papers],
    )
    return render_template(
        "vouchers/round_detail.html",
        round=issue,
        program=db.session.get(Program, issue.program_id),
        skipped=skipped,
        names=names,
        family_url=family_url,
        printable_count=len(papers),
        papers=papers,
        delivery_form=DeliveryForm(formdata=None),
    )
