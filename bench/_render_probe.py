"""Probes for bench/report_batch.py: what each render costs inside the process that runs it.

``install(path)`` wraps ``Renderer.render`` so that every render appends one JSON line to
``path``: the CPU time of the rendering thread (``time.thread_time``: other threads of a
worker, its consumer and heartbeats, are not in it), the process's CPU time, the garbage
collector's full collections and their CPU time during the render, the objects the collector
tracks afterwards and the resident memory. With ``profile_at`` the render of that number (1 =
the first) also runs under cProfile and its call count is recorded (the total of Python and C
function calls: a deterministic measure that the machine's load does not move).

The workers are started as ``python bench/_render_probe.py PATH PROFILE_AT worker …``, which
installs the probe and runs the ``dx-assess`` command line; the old pool's processes call
``install`` from their initializer. Nothing of this is in the product.
"""

from __future__ import annotations

import cProfile
import gc
import json
import os
import pstats
import sys
import threading
import time
from pathlib import Path
from typing import Any


def _rss_mb() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20


def install(path: str, profile_at: int = 0) -> None:
    from dx_assess.core.reports import render

    state = {"n": 0, "full": 0, "full_cpu": 0.0}
    local = threading.local()

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            local.started = time.thread_time()
        elif hasattr(local, "started"):
            state["full"] += 1
            state["full_cpu"] += time.thread_time() - local.started

    gc.callbacks.append(on_gc)
    original = render.Renderer.render

    def probed(self: Any, kind: str, context: Any, chart_uris: Any = None) -> Any:
        state["n"] += 1
        profile = cProfile.Profile() if state["n"] == profile_at else None
        full, full_cpu = state["full"], state["full_cpu"]
        thread, process = time.thread_time(), time.process_time()
        if profile is not None:
            profile.enable()
        try:
            return original(self, kind, context, chart_uris)
        finally:
            if profile is not None:
                profile.disable()
            record = {
                "pid": os.getpid(),
                "n": state["n"],
                "key": context.get("municipality", {}).get("code", kind),
                "thread_cpu": time.thread_time() - thread,
                "process_cpu": time.process_time() - process,
                "full_collections": state["full"] - full,
                "full_collection_cpu": state["full_cpu"] - full_cpu,
                "gc_objects": len(gc.get_objects()),
                "rss_mb": _rss_mb(),
            }
            if profile is not None:
                stats = pstats.Stats(profile)
                record["calls"] = stats.total_calls  # type: ignore[attr-defined]
                stats.dump_stats(f"{path}.{os.getpid()}.prof")
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps(record) + "\n")

    render.Renderer.render = probed  # type: ignore[method-assign]


def read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


if __name__ == "__main__":
    install(sys.argv[1], int(sys.argv[2]))
    from dx_assess.__main__ import main

    sys.argv = ["dx-assess", *sys.argv[3:]]
    main()
