"""While a report renders, the garbage collector leaves the process's older objects aside (a
full collection walking a worker's whole heap cost ~0.6 s a report), and gives them back
afterwards, also when the render fails: nothing stays frozen, nothing is kept."""

from __future__ import annotations

import gc
from collections.abc import Mapping
from typing import Any

import pytest

from dx_assess.core.reports import render


def test_a_render_sets_the_heap_aside_and_gives_it_back(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []

    def fake_render(
        self: render.Renderer, kind: str, context: Mapping[str, Any], charts: Any
    ) -> render.RenderResult:
        seen.append(gc.get_freeze_count())
        if kind == "broken":
            raise RuntimeError("レンダリングに失敗（試験）")
        return render.RenderResult(pdf=b"%PDF-", pages=1, seconds=0.0)

    monkeypatch.setattr(render.Renderer, "_render", fake_render)
    renderer = render.renderer()
    alive = len(gc.get_objects())
    before = gc.get_freeze_count()
    renderer.render("municipality", {}, {})
    assert seen[-1] >= alive // 2  # the objects alive before were set aside …
    assert gc.get_freeze_count() == before  # … and given back
    with pytest.raises(RuntimeError):
        renderer.render("broken", {}, {})
    assert gc.get_freeze_count() == before


class _Node:
    """A stand-in for WeasyPrint's boxes and styles, which refer to each other."""

    def __init__(self) -> None:
        self.me = self


def test_the_garbage_of_a_render_is_freed_before_the_heap_is_given_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A render's cyclic garbage that outlived the collections during the render (here: a
    cycle alive during a full collection and dropped afterwards, as a document's boxes are)
    used to be frozen again with the next render's heap and never freed: ~33 MB a report."""
    import weakref

    refs: list[weakref.ref[_Node]] = []

    def fake_render(
        self: render.Renderer, kind: str, context: Mapping[str, Any], charts: Any
    ) -> render.RenderResult:
        nodes = [_Node() for _ in range(1000)]
        refs.extend(weakref.ref(n) for n in nodes[:10])
        gc.collect()  # a full collection during the render: the live cycles move to gen 2
        del nodes
        return render.RenderResult(pdf=b"%PDF-", pages=1, seconds=0.0)

    monkeypatch.setattr(render.Renderer, "_render", fake_render)
    renderer = render.renderer()
    renderer.render("municipality", {}, {})
    assert len(refs) == 10
    assert all(ref() is None for ref in refs)  # freed, not kept for a later collection
    alive = len(gc.get_objects())
    for _ in range(3):
        renderer.render("municipality", {}, {})
    assert len(gc.get_objects()) < alive + 500  # 3,000 cycles made, none kept
