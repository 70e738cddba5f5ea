from flask import Blueprint

bp = Blueprint("shops", __name__, url_prefix="/shops")


@bp.route("/index")
def index():
    return "index"


@bp.route("/scan")
def scan():
    return "scan"


@bp.route("/today")
def today():
    return "today"


