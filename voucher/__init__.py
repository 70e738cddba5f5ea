"""Vales: food and hygiene vouchers for parishes, redeemed at neighbourhood shops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.extensions["app_factory"] = create_app  # for a scratch app (backup check)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from voucher.config import load_config

    app.config.update(load_config(Path(app.instance_path), config))

    from voucher import extensions as ext
    from voucher import models  # noqa: F401  (the whole schema for Alembic)
    from voucher.sqlite import configure_engine_events

    ext.db.init_app(app)
    ext.migrate.init_app(
        app, ext.db, directory=str(Path(app.root_path).parent / "migrations"), compare_type=True
    )
    ext.login_manager.init_app(app)
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)

    from voucher.i18n import init_i18n

    init_i18n(app)
    with app.app_context():
        configure_engine_events(ext.db.engine)

    from voucher.vouchers.keys import init_code_keys

    init_code_keys(app)

    from voucher.contention import register_contention
    from voucher.handlers import register_handlers
    from voucher.navigation import register_navigation
    from voucher.observability import register_observability
    from voucher.security import register_security
    from voucher.transaction import register_transaction

    register_observability(app)
    register_handlers(app)
    register_contention(app)
    register_security(app)
    register_transaction(app)
    register_navigation(app)
    _register_blueprints(app)

    from voucher.cli import register_cli

    register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from voucher.api import bp as api_bp
    from voucher.api import spec
    from voucher.auth.views import bp as auth_bp
    from voucher.families.views import bp as families_bp
    from voucher.imports.views import bp as imports_bp
    from voucher.oversight.audit_log import bp as audit_bp
    from voucher.programs.views import bp as programs_bp
    from voucher.shops.views import bp as shops_bp
    from voucher.shops.views.devices import bp as phone_bp
    from voucher.treasury.views import bp as treasury_bp
    from voucher.treasury.views import diocese_bp
    from voucher.vouchers.views import bp as vouchers_bp
    from voucher.vouchers.views import public as public_bp

    for bp in (
        auth_bp,
        families_bp,
        imports_bp,
        programs_bp,
        vouchers_bp,
        shops_bp,
        phone_bp,
        treasury_bp,
        diocese_bp,
        audit_bp,
        public_bp,
    ):
        app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    spec.app = app
