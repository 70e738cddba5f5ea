"""Vouchers on the web: list, one voucher, issuing, rounds, printing, and the public
page a printed QR opens."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.routing import BuildError
from wtforms import SelectChoice

from voucher.auth.access import actor, get_scoped, parish_id, require_actor, role_required
from voucher.auth.models import Role
from voucher.dates import local_today
from voucher.errors import DomainError, NotFound, ValidationFailed
from voucher.extensions import db, limiter
from voucher.families.models import Family
from voucher.forms import put_errors
from voucher.money import format_clp
from voucher.parishes.models import Parish
from voucher.pdf.vouchers import PrintableVoucher, render_voucher_sheets
from voucher.programs.models import Program
from voucher.programs.services import list_programs
from voucher.sqlite import writes_database
from voucher.vouchers import queries, services
from voucher.vouchers.forms import (
    IssueForm,
    PrintSelectionForm,
    ReasonForm,
    RoundConfirmForm,
    RoundProgramForm,
    VoucherFilterForm,
    parse_id,
)
from voucher.vouchers.keys import code_keys
from voucher.vouchers.models import Round, Voucher
from voucher.vouchers.rules import effective_status

bp = Blueprint("vouchers", __name__, url_prefix="/vouchers")
# The QR on the paper opens /r/<code>: short, at the site root, no login needed.
public = Blueprint("public", __name__)

READERS = (Role.STAFF, Role.ADMIN, Role.TREASURER)
WRITERS = (Role.STAFF, Role.ADMIN)
PER_PAGE = 50
PUBLIC_STATUS_LIMIT = "30 per minute"


# --- small shared pieces -----------------------------------------------------------------


def _parish() -> Parish:
    return db.session.get(Parish, parish_id())


def _today() -> date:
    return local_today(_parish().timezone)


def endpoint_url(endpoint: str, fallback: str, **values: Any) -> str:
    """``url_for`` for a page another module provides, with its documented path as a
    fallback while that module is not registered."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return fallback


def program_choices(programs: list[Program]) -> list[SelectChoice]:
    return [SelectChoice(str(p.id), p.name) for p in programs]


def _family_url(family_id: int) -> str:
    return endpoint_url("families.detail", f"/families/{family_id}", family_id=family_id)


def _can_write() -> bool:
    user = actor()
    return user is not None and user.role in WRITERS


def _pdf_response(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The sheets carry bearer codes: no cache keeps a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


def _print(vouchers: list[Voucher]) -> list[PrintableVoucher]:
    """Decrypt, count and audit the prints, and commit before the (slow) rendering so
    no lock is held while the PDF is drawn."""
    items = services.printable(
        db.session,
        vouchers,
        parish=_parish(),
        keys=code_keys(),
        base_url=current_app.config["VOUCHER_BASE_URL"],
        user=require_actor(),
    )
    db.session.commit()
    return items


# --- list and detail ---------------------------------------------------------------------


@bp.route("/")
@role_required(*READERS)
def index():
    pid = parish_id()
    form = VoucherFilterForm(request.args)
    programs = list_programs(db.session, pid)
    form.program.choices = [SelectChoice("", _("Todos")), *program_choices(programs)]
    status = form.status.data if form.status.data in queries.STATUS_FILTERS else None
    today = _today()
    query = queries.voucher_query(
        pid,
        today=today,
        status=status,
        program_id=parse_id(form.program.data),
        family_id=parse_id(request.args.get("family_id")),
        serial=(form.serial.data or "")[: queries.SERIAL_SEARCH_MAX],
    )
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    families = queries.family_names(db.session, pid, sorted({v.family_id for v in page.items}))
    rows = [
        (voucher, effective_status(services.state_of(voucher), today).value)
        for voucher in page.items
    ]
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "vouchers/index.html",
        form=form,
        page=page,
        rows=rows,
        args=args,
        programs={p.id: p for p in programs},
        families=families,
        family_url=_family_url,
        can_write=_can_write(),
        print_form=PrintSelectionForm(),
    )


@bp.route("/<int:voucher_id>")
@role_required(*READERS)
def detail(voucher_id: int):
    voucher = get_scoped(Voucher, voucher_id)
    return _detail_page(voucher, ReasonForm(prefix="cancel"), ReasonForm(prefix="replace"))


def _detail_page(voucher: Voucher, cancel_form: ReasonForm, replace_form: ReasonForm):
    status = effective_status(services.state_of(voucher), _today()).value
    user = require_actor()
    family = db.session.get(Family, voucher.family_id)
    return render_template(
        "vouchers/detail.html",
        voucher=voucher,
        status=status,
        family=family,
        family_link=_family_url(voucher.family_id) if user.role in WRITERS else None,
        program=db.session.get(Program, voucher.program_id),
        redemptions=queries.redemptions_of(db.session, voucher),
        replacements=queries.replacements_of(db.session, voucher),
        can_write=user.role in WRITERS,
        cancel_form=cancel_form,
        replace_form=replace_form,
    )


# --- printing ------------------------------------------------------------------------------


@bp.route("/<int:voucher_id>/pdf")
@role_required(*WRITERS)
@writes_database
def pdf(voucher_id: int):
    voucher = get_scoped(Voucher, voucher_id)
    filename = f"vale-{voucher.serial}.pdf"
    return _pdf_response(render_voucher_sheets(_print([voucher])), filename)


@bp.route("/print", methods=["POST"])
@role_required(*WRITERS)
def print_selected():
    form = PrintSelectionForm()
    if not form.validate_on_submit():
        flash(_("El formulario expiró. Recargue la página e intente de nuevo."), "error")
        return redirect(url_for(".index"))
    ids = [parse_id(text) for text in request.form.getlist("ids")]
    if not ids:
        flash(_("Marque los vales que quiere imprimir."), "error")
        return redirect(request.referrer or url_for(".index"))
    try:
        if None in ids:
            raise NotFound()
        vouchers = services.vouchers_for_print(db.session, parish_id(), ids)
        items = _print(vouchers)
    except DomainError as error:
        db.session.rollback()
        flash(error.detail, "error")
        return redirect(url_for(".index"))
    return _pdf_response(render_voucher_sheets(items), f"vales-{len(items)}.pdf")


# --- cancel and replace --------------------------------------------------------------------


@bp.route("/<int:voucher_id>/cancel", methods=["POST"])
@role_required(*WRITERS)
def cancel(voucher_id: int):
    voucher = get_scoped(Voucher, voucher_id)
    form = ReasonForm(prefix="cancel")
    if form.validate_on_submit():
        try:
            voucher = services.cancel_voucher(
                db.session, voucher, reason=form.reason.data, user=require_actor()
            )
        except DomainError as error:
            return _action_failed(voucher_id, error, cancel_form=form)
        db.session.commit()
        flash(_("Vale anulado. Su saldo volvió al fondo del programa."), "success")
    return redirect(url_for(".detail", voucher_id=voucher_id))


@bp.route("/<int:voucher_id>/replace", methods=["POST"])
@role_required(*WRITERS)
def replace(voucher_id: int):
    voucher = get_scoped(Voucher, voucher_id)
    form = ReasonForm(prefix="replace")
    if form.validate_on_submit():
        try:
            services.replace_voucher(
                db.session,
                voucher,
                reason=form.reason.data,
                user=require_actor(),
                keys=code_keys(),
            )
        except DomainError as error:
            return _action_failed(voucher_id, error, replace_form=form)
        db.session.commit()
        flash(
            _("Vale reemplazado: el papel anterior ya no sirve. Imprima el vale nuevo."),
            "success",
        )
    return redirect(url_for(".detail", voucher_id=voucher_id))


def _action_failed(
    voucher_id: int,
    error: DomainError,
    *,
    cancel_form: ReasonForm | None = None,
    replace_form: ReasonForm | None = None,
):
    """The detail page again, with the refused form keeping what was typed."""
    db.session.rollback()
    voucher = get_scoped(Voucher, voucher_id)
    failed = cancel_form or replace_form
    cancel_form = cancel_form or ReasonForm(prefix="cancel", formdata=None)
    replace_form = replace_form or ReasonForm(prefix="replace", formdata=None)
    if isinstance(error, ValidationFailed):
        put_errors(failed, error)
    else:
        flash(error.detail, "error")
    return _detail_page(voucher, cancel_form, replace_form), error.status


# --- issuing one voucher -------------------------------------------------------------------


@bp.route("/issue", methods=["GET", "POST"])
@role_required(*WRITERS)
def issue():
    family_id = parse_id(request.args.get("family_id"))
    if family_id is None:
        flash(_("Busque la familia y use «Entregar vale» en su página."), "info")
        return redirect(endpoint_url("families.index", "/families/"))
    family = get_scoped(Family, family_id)
    programs = list_programs(db.session, parish_id(), active_only=True)
    form = IssueForm()
    form.program_id.choices = [
        SelectChoice(str(p.id), f"{p.name} · {format_clp(p.voucher_amount)}") for p in programs
    ]
    if form.validate_on_submit():
        program = db.session.get(Program, parse_id(form.program_id.data) or 0)
        try:
            if program is None:
                raise ValidationFailed([("program_id", _("Elija un programa."))])
            issued = services.issue_voucher(
                db.session,
                parish=_parish(),
                program=program,
                family=family,
                user=require_actor(),
                keys=code_keys(),
            )
        except DomainError as error:
            db.session.rollback()
            family = get_scoped(Family, family_id)
            put_errors(form, error)
            if not isinstance(error, ValidationFailed):
                flash(error.detail, "error")
        else:
            db.session.commit()
            flash(_("Vale %(serial)s emitido.", serial=issued.voucher.serial), "success")
            return redirect(url_for(".detail", voucher_id=issued.voucher.id))
    return render_template(
        "vouchers/issue.html",
        form=form,
        family=family,
        programs=programs,
        family_url=_family_url(family.id),
    )


# --- rounds --------------------------------------------------------------------------------


@bp.route("/rounds")
@role_required(*WRITERS)
def rounds():
    page = db.paginate(queries.rounds_query(parish_id()), per_page=PER_PAGE, error_out=False)
    programs = {p.id: p for p in list_programs(db.session, parish_id())}
    return render_template("vouchers/rounds.html", page=page, programs=programs)


@bp.route("/rounds/new", methods=["GET", "POST"])
@role_required(*WRITERS)
def round_new():
    programs = list_programs(db.session, parish_id(), active_only=True)
    if request.method == "POST":
        return _confirm_round()
    choose = RoundProgramForm(request.args)
    choose.program_id.choices = program_choices(programs)
    program_id = parse_id(request.args.get("program_id"))
    if program_id is None:
        return render_template("vouchers/round_new.html", choose=choose, programs=programs)
    return _preview_page(get_scoped(Program, program_id), choose, programs)


def _preview_page(program: Program, choose: RoundProgramForm, programs: list[Program]):
    try:
        preview = services.preview_round(db.session, parish=_parish(), program=program)
    except DomainError as error:
        flash(error.detail, "error")
        return render_template("vouchers/round_new.html", choose=choose, programs=programs), 409
    names = queries.family_names(
        db.session, program.parish_id, preview.eligible + [s["family_id"] for s in preview.skipped]
    )
    confirm = RoundConfirmForm(
        program_id=str(program.id),
        expected=str(len(preview.eligible)),
        after_round=str(services.latest_round_id(db.session, program.id)),
    )
    return render_template(
        "vouchers/round_preview.html",
        choose=choose,
        programs=programs,
        program=program,
        preview=preview,
        names=names,
        family_url=_family_url,
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
        parish = _parish()
        # A second tap, a reload or a colleague's round since the preview is refused
        # (under the program's lock), and that round is shown instead.
        result = services.issue_round(
            db.session,
            parish=parish,
            program=program,
            user=require_actor(),
            keys=code_keys(),
            after_round=parse_id(form.after_round.data) or 0,
        )
        if str(len(result.voucher_ids)) != (form.expected.data or ""):
            db.session.rollback()
            changed = _("La lista de familias cambió desde la vista previa.")
            flash(f"{changed} {_('Revísela y confirme de nuevo.')}", "info")
            return preview_again
    except services.RoundAlreadyIssued as error:
        db.session.rollback()
        flash(error.detail, "info")
        return redirect(url_for(".round_detail", round_id=error.round_id))
    except DomainError as error:
        db.session.rollback()
        flash(error.detail, "error")
        return preview_again
    db.session.commit()
    flash(_("Ronda emitida: %(n)s vales.", n=len(result.voucher_ids)), "success")
    return redirect(url_for(".round_detail", round_id=result.round.id))


@bp.route("/rounds/<int:round_id>")
@role_required(*WRITERS)
def round_detail(round_id: int):
    issue = get_scoped(Round, round_id)
    skipped = queries.skipped_of(issue)
    names = queries.family_names(db.session, issue.parish_id, [s["family_id"] for s in skipped])
    printable_count = len(services.round_vouchers(db.session, issue, today=_today()))
    return render_template(
        "vouchers/round_detail.html",
        round=issue,
        program=db.session.get(Program, issue.program_id),
        skipped=skipped,
        names=names,
        family_url=_family_url,
        printable_count=printable_count,
    )


@bp.route("/rounds/<int:round_id>/pdf")
@role_required(*WRITERS)
@writes_database
def round_pdf(round_id: int):
    issue = get_scoped(Round, round_id)
    vouchers = services.round_vouchers(db.session, issue, today=_today())
    if not vouchers:
        flash(_("No quedan vales vigentes en esta ronda para imprimir."), "error")
        return redirect(url_for(".round_detail", round_id=round_id))
    items = _print(vouchers)
    return _pdf_response(render_voucher_sheets(items), f"ronda-{round_id}.pdf")


# --- the public page a printed QR opens --------------------------------------------------


@public.route("/r/<code>")
@limiter.limit(PUBLIC_STATUS_LIMIT)
@writes_database
def redeem(code: str):
    """Shopkeepers go straight to their redeem screen; anyone else sees the voucher's
    state (no personal data). Unknown codes are kept in the scan log, and the rate
    limit keeps anyone from trying codes quickly."""
    user = actor()
    if user is not None and user.role == Role.SHOPKEEPER:
        fallback = "/shops/voucher?" + urlencode({"code": code})
        return redirect(endpoint_url("shops.voucher", fallback, code=code))
    status = queries.public_status(
        db.session,
        code[:100],
        keys=code_keys(),
        user_id=getattr(user, "id", None),
        ip=request.remote_addr,
    )
    db.session.commit()
    staff_link = None
    if (
        user is not None
        and status.voucher is not None
        and user.role in READERS
        and user.parish_id == status.voucher.parish_id
    ):
        staff_link = url_for("vouchers.detail", voucher_id=status.voucher.id)
    return render_template(
        "vouchers/public_status.html",
        status=status,
        voucher=status.voucher,
        parish=status.parish,
        staff_link=staff_link,
        login_url=url_for("auth.login", next=request.path),
        logged_in=user is not None,
    )
