from flask import Blueprint

bp = Blueprint("families", __name__, url_prefix="/families")


@bp.route("/index")
def index():
    return "index"
