from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from voucher.auth import queries, services
from voucher.auth.access import login_required_any, require_actor, role_required, safe_next
from voucher.auth.forms import EmptyForm, LanguageForm, LoginForm, TokenForm, UserForm
from voucher.auth.models import Role
from voucher.errors import Duplicate, ValidationFailed
from voucher.extensions import db, limiter
from voucher.forms import form_error

bp = Blueprint("auth", __name__)

HOME_BY_ROLE = {
    Role.ADMIN: "programs.index",
    Role.STAFF: "families.index",
    Role.TREASURER: "treasury.index",
    Role.SHOPKEEPER: "shops.scan",
    Role.DIOCESE: "diocese.index",
}


def _login_key() -> str:
    email = services.normalise_email(request.form.get("email", ""))[:254]
    return f"login:{request.remote_addr}:{email}"


@bp.route("/")
def root():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
    key_func=_login_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code != 302,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.sign_in(db.session, form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for(HOME_BY_ROLE[user.role]))
        flash(_("Correo o contraseña incorrectos."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required_any
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        flash(_("Sesión cerrada."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required_any
def profile():
    user = require_actor()
    token_form = TokenForm(prefix="token")
    language_form = LanguageForm(prefix="lang", locale=user.locale or "es_CL")
    new_token = None
    if request.method == "POST" and request.form.get("action") == "token":
        if token_form.validate_on_submit():
            _row, new_token = services.add_token(db.session, user, token_form.name.data)
    elif (
        request.method == "POST"
        and request.form.get("action") == "language"
        and language_form.validate_on_submit()
    ):
        services.set_language(user, language_form.locale.data)
        session.pop("lang", None)
        return redirect(url_for("auth.profile"))
    tokens = queries.tokens_of(db.session, user)
    return render_template(
        "auth/profile.html",
        token_form=token_form,
        language_form=language_form,
        tokens=tokens,
        new_token=new_token,
        revoke_form=EmptyForm(),
    )


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required_any
def revoke_token(token_id: int):
    user = require_actor()
    if EmptyForm().validate_on_submit():
        services.withdraw_token(db.session, user, token_id)
        flash(_("Token revocado."), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/users", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def users():
    """The parish's accounts; the admin creates staff, treasurer and admin accounts here
    (shop accounts are created from the shop's page)."""
    admin = require_actor()
    form = UserForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.create_account(
                db.session,
                admin,
                email=form.email.data,
                password=form.password.data,
                role=Role(form.role.data),
                name=form.name.data,
            )
            flash(_("Cuenta creada para %(email)s.", email=user.email), "success")
            return redirect(url_for("auth.users"))
        except (ValidationFailed, Duplicate) as error:
            form_error(form, error, field="email")
    if form.errors:
        status = 422
    accounts = queries.parish_accounts(db.session, admin.parish_id)
    return render_template("auth/users.html", form=form, accounts=accounts), status
