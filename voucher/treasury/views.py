from flask import Blueprint

bp = Blueprint("treasury", __name__, url_prefix="/treasury")


@bp.route("/index")
def index():
    return "index"


@bp.route("/funds")
def funds():
    return "funds"


@bp.route("/settlements")
def settlements():
    return "settlements"


@bp.route("/reports")
def reports():
    return "reports"


@bp.route("/my-statement")
def my_statement():
    return "my_statement"
