"""``__all__`` is the public API: every name in it exists, and every public module has one."""

from __future__ import annotations

import importlib
import pkgutil

import openblotter


def _modules() -> list[str]:
    return [
        m.name
        for m in pkgutil.walk_packages(openblotter.__path__, prefix="openblotter.")
        if not m.name.rsplit(".", 1)[-1].startswith("_")
    ]


def test_all__names_exist_in_every_public_module() -> None:
    for name in ["openblotter", *_modules()]:
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"{name} has no __all__"
        for symbol in exported:
            assert hasattr(module, symbol), f"{name}.__all__ names missing {symbol!r}"


def test_top_level_api__is_small_and_deliberate() -> None:
    assert sorted(openblotter.__all__) == sorted(
        [
            "STANDARD_VERSION",
            "BlotterError",
            "Settings",
            "__version__",
            "load_standard",
            "open_store",
        ]
    )
