from flask import Blueprint

bp = Blueprint("programs", __name__, url_prefix="/programs")


@bp.route("/index")
def index():
    return "index"
