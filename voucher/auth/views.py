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
from voucher.auth.forms import (
    EmptyForm,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    RoleForm,
    TokenForm,
    UserForm,
)
from voucher.auth.models import Role
from voucher.auth.throttle import LoginThrottled
from voucher.errors import Conflict, Duplicate, ValidationFailed
from voucher.extensions import db
from voucher.forms import form_error
from voucher.pdf.qr_svg import qr_svg

bp = Blueprint("auth", __name__)

HOME_BY_ROLE = {
    Role.ADMIN: "programs.index",
    Role.STAFF: "families.index",
    Role.TREASURER: "treasury.index",
    Role.SHOPKEEPER: "shops.scan",
    Role.DIOCESE: "diocese.index",
}


REMEMBER_COOKIE = "remember_token"


def _remembered() -> bool:
    """Whether this browser signed in with "keep me signed in"."""
    return bool(
        request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE))
    )


@bp.route("/")
def root():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(HOME_BY_ROLE[current_user.role]))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.sign_in(
                db.session,
                form.email.data,
                form.password.data,
                remember=form.remember.data,
                address=request.remote_addr or "",
            )
        except LoginThrottled as error:
            form_error(form, error)
            response = current_app.make_response(
                (render_template("auth/login.html", form=form), 429)
            )
            response.headers["Retry-After"] = str(error.retry_after)
            return response
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")) or url_for(HOME_BY_ROLE[user.role]))
        flash(_("Correo o contraseña incorrectos."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required_any
def logout():
    if EmptyForm().validate_on_submit():
        services.sign_out(db.session, require_actor())
        logout_user()
        flash(_("Sesión cerrada."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required_any
def change_password():
    user = require_actor()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        remember = _remembered()
        try:
            services.change_password(
                db.session,
                user,
                current=form.current.data,
                new=form.new.data,
                confirm=form.confirm.data,
                remember=remember,
            )
            login_user(current_user._get_current_object(), remember=remember)
            flash(
                _("Contraseña cambiada. Las demás sesiones y los tokens de la API se cerraron."),
                "success",
            )
            return redirect(url_for("auth.profile"))
        except ValidationFailed as error:
            form_error(form, error)
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form), status


@bp.route("/profile/sessions/end", methods=["POST"])
@login_required_any
def end_my_sessions():
    user = require_actor()
    if EmptyForm().validate_on_submit():
        remember = _remembered()
        services.sign_out_everywhere(db.session, user, remember=remember)
        login_user(current_user._get_current_object(), remember=remember)
        flash(_("Se cerraron sus sesiones en otros equipos y sus tokens de la API."), "success")
    return redirect(url_for("auth.profile"))


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
    return _render_users(admin, form, status)


def _render_users(admin, form: UserForm, status: int = 200):
    accounts = queries.parish_accounts(db.session, admin.parish_id)
    shops = queries.shops_managed(db.session, admin.parish_id)
    keepers = queries.shop_accounts(db.session, list(shops))
    live = queries.live_sessions(db.session, [u.id for u in [*accounts, *keepers]])
    return render_template(
        "auth/users.html",
        form=form,
        accounts=accounts,
        keepers=keepers,
        shops=shops,
        live=live,
        admin=admin,
    ), status


@bp.route("/users/<int:user_id>")
@role_required(Role.ADMIN)
def user_detail(user_id: int):
    admin = require_actor()
    target = services.managed_user(db.session, admin, user_id)
    return _render_user(admin, target)


def _render_user(admin, target, *, role_form: RoleForm | None = None, reset=None, status=200):
    shops = queries.shops_managed(db.session, admin.parish_id)
    live = queries.live_sessions(db.session, [target.id]).get(target.id)
    return render_template(
        "auth/user.html",
        target=target,
        admin=admin,
        shop_name=shops.get(target.shop_id) if target.shop_id else None,
        live=live,
        role_form=role_form or RoleForm(prefix="role", role=target.role.value),
        action_form=EmptyForm(),
        reset=reset,
    ), status


def _admin_action(user_id: int, act, done: str):
    admin = require_actor()
    target = services.managed_user(db.session, admin, user_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            act(admin, target)
            flash(done, "success")
        except Conflict as error:
            form_error(form, error)
    return redirect(url_for("auth.user_detail", user_id=target.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@role_required(Role.ADMIN)
def deactivate_user(user_id: int):
    return _admin_action(
        user_id,
        lambda admin, target: services.deactivate_user(db.session, admin, target),
        _("Cuenta desactivada: sus sesiones y tokens dejaron de funcionar."),
    )


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@role_required(Role.ADMIN)
def reactivate_user(user_id: int):
    return _admin_action(
        user_id,
        lambda admin, target: services.reactivate_user(db.session, admin, target),
        _("Cuenta reactivada: puede ingresar de nuevo con su contraseña."),
    )


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@role_required(Role.ADMIN)
def end_user_sessions(user_id: int):
    return _admin_action(
        user_id,
        lambda admin, target: services.end_user_sessions(db.session, admin, target),
        _("Se cerraron todas las sesiones y tokens de la cuenta."),
    )


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@role_required(Role.ADMIN)
def change_role(user_id: int):
    admin = require_actor()
    target = services.managed_user(db.session, admin, user_id)
    form = RoleForm(prefix="role")
    if form.validate_on_submit():
        try:
            services.change_role(db.session, admin, target, Role(form.role.data))
            flash(_("Perfil cambiado."), "success")
            return redirect(url_for("auth.user_detail", user_id=target.id))
        except Conflict as error:
            form_error(form, error)
    return _render_user(admin, target, role_form=form, status=422)


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
@role_required(Role.ADMIN)
def issue_reset(user_id: int):
    """The one-time link is shown here once (and as a QR to print or scan)."""
    admin = require_actor()
    target = services.managed_user(db.session, admin, user_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.user_detail", user_id=target.id))
    try:
        secret = services.issue_reset(db.session, target, admin)
    except Conflict as error:
        form_error(form, error)
        return redirect(url_for("auth.user_detail", user_id=target.id))
    link = reset_link(secret)
    reset = {
        "link": link,
        "qr": qr_svg(link, _("Código QR del enlace para %(email)s", email=target.email)),
        "hours": services.RESET_HOURS,
    }
    return _render_user(admin, target, reset=reset)


def reset_link(secret: str) -> str:
    base = current_app.config["VOUCHER_BASE_URL"].rstrip("/")
    return base + url_for("auth.reset_password", secret=secret)


RESET_KEY = "password_reset"


@bp.route("/password/reset/<secret>")
def reset_password(secret: str):
    """The link: its secret moves into this browser's session and out of the address
    bar (and of the history and any Referer)."""
    session[RESET_KEY] = secret[:100]
    return redirect(url_for("auth.new_password"))


@bp.route("/password/new", methods=["GET", "POST"])
def new_password():
    secret = session.get(RESET_KEY, "")
    reset = services.reset_for(db.session, secret)
    if reset is None:
        session.pop(RESET_KEY, None)
        return render_template("auth/reset_gone.html"), 410
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            services.use_reset(db.session, secret, new=form.new.data, confirm=form.confirm.data)
            session.pop(RESET_KEY, None)
            if current_user.is_authenticated and current_user.id == reset.user_id:
                logout_user()
            flash(_("Contraseña guardada. Ingrese con su correo y la contraseña nueva."), "success")
            return redirect(url_for("auth.login"))
        except (ValidationFailed, Conflict) as error:
            form_error(form, error)
    status = 422 if form.errors else 200
    return render_template("auth/new_password.html", form=form, email=reset.user.email), status
