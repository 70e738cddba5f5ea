from flask import Blueprint

bp = Blueprint("vouchers", __name__, url_prefix="/vouchers")


@bp.route("/index")
def index():
    return "index"


@bp.route("/rounds")
def rounds():
    return "rounds"
