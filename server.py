"""Development server entry point; `app` is also what `flask --app server` and gunicorn import."""

from werkzeug.serving import WSGIRequestHandler

from app import create_app
from app.demo import load_on_start

app = create_app()


class QuietHandler(WSGIRequestHandler):
    """Names no software or version in the Server header."""

    def version_string(self) -> str:
        return "api"


if __name__ == "__main__":
    load_on_start(app)  # `make run` on the embedded database: something to browse and sign in with
    app.run(
        host=app.config["HOST"],
        port=app.config["PORT"],
        debug=app.config["DEBUG"],
        request_handler=QuietHandler,
        # The embedded database (mongomock) changes documents in steps a second thread could interleave with:
        # serve one request at a time on it, as each write on a real server is atomic.
        threaded=not app.extensions["mongodb"]["embedded"],
    )
