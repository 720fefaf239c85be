"""Modules that licc's dependencies import but a build never uses, loaded on first use."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types


def import_on_first_use(name: str) -> None:
    """`import name` costs nothing until an attribute of the module is first read.

    Not importlib's LazyLoader: torch reads ``__file__`` of every module in
    `sys.modules` when it registers an op, which would load it at once.
    """
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    assert spec is not None, name

    class OnFirstUse(types.ModuleType):
        def __getattr__(self, attr: str) -> object:
            if sys.modules.get(name) is self:
                del sys.modules[name]  # the real import replaces this stand-in
            return getattr(importlib.import_module(name), attr)

    stand_in = OnFirstUse(name)
    stand_in.__file__, stand_in.__spec__, stand_in.__loader__ = spec.origin, spec, spec.loader
    sys.modules[name] = stand_in
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, stand_in)
