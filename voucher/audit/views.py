from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/index")
def index():
    return "index"
