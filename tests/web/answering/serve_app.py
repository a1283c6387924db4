"""Serve the app for the concurrency tests: ``python serve_app.py DATABASE_URL``.

A threaded Werkzeug server on a free port of 127.0.0.1, in its own process (so that the test
can kill it with SIGKILL); it prints the port on its first line of output.
"""

from __future__ import annotations

import sys

from werkzeug.serving import WSGIRequestHandler, make_server

from dx_assess import create_app


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def main() -> None:
    app = create_app({"DX_ENV": "testing", "DATABASE_URL": sys.argv[1]})
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: errors are pages
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
