"""Health checks of the report machinery, for ``/healthz`` (issue 11): is a background worker
alive, and can the report storage be written and read back.

Each check takes the app and returns ``(ok, detail)``; it needs an app context. They are plain
functions so that the health registry can list them as they are.
"""

from __future__ import annotations

import hashlib

from flask import Flask

from dx_assess.services.reports.service import settings, storage
from dx_assess.services.reports.storage import pdf_key


def check_report_worker(app: Flask) -> tuple[bool, str]:
    """At least one ``dx-assess worker`` announced itself in Redis in the last 30 seconds
    (the embedded queue runs in the web process: always true)."""
    from dx_assess.services.reports.tasks import report_queue

    queue = report_queue(app)
    if queue.embedded:
        return True, "embedded queue (in-process worker thread)"
    try:
        workers = queue.live_workers()
    except Exception as exc:
        return False, f"broker unreachable: {type(exc).__name__}: {exc}"
    if not workers:
        return False, "no report worker alive (start dx-assess worker)"
    return True, f"{len(workers)} worker(s): {', '.join(workers)}"


#: A fixed probe written under a key no report can have (not 64 hex digits).
PROBE = b"dx_assess report storage probe"
PROBE_KEY = pdf_key("healthprobe" + hashlib.sha256(PROBE).hexdigest()[:16])


def check_report_storage(app: Flask) -> tuple[bool, str]:
    """The report storage accepts a write and gives it back."""
    config = settings(app)
    try:
        store = storage(config)
        store.put(PROBE_KEY, PROBE)
        ok = store.get(PROBE_KEY) == PROBE
    except Exception as exc:
        return False, f"{config.storage_kind}: {type(exc).__name__}: {exc}"
    return ok, config.storage_kind if ok else f"{config.storage_kind}: read back differs"
