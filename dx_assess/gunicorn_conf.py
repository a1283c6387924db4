"""gunicorn settings: ``gunicorn --config python:dx_assess.gunicorn_conf dx_assess.wsgi:app``.

* The settings are checked once in the master before any worker starts: a configuration that
  is weaker than the production baseline stops gunicorn with the Japanese message and exit
  status 2 (without this, every worker would fail and gunicorn would keep restarting them).
* With ``PROMETHEUS_MULTIPROC_DIR`` set, a dead worker's metric files are released.
* Access logging stays off: dx_assess writes one JSON line per request itself.
* A worker may take up to two minutes for one request: a PDF report is rendered while the user
  waits (a few seconds; longer on a busy machine). nginx waits as long (``proxy_read_timeout``).
"""

from __future__ import annotations

import sys
from typing import Any

from dx_assess.observability import child_exit as _metrics_child_exit

accesslog = None
errorlog = "-"
timeout = 120
graceful_timeout = 30


def on_starting(_server: Any) -> None:
    from dx_assess import create_app
    from dx_assess.config import ConfigError

    try:
        create_app()
    except ConfigError as exc:
        print(f"設定エラー: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def child_exit(server: Any, worker: Any) -> None:
    _metrics_child_exit(server, worker)
