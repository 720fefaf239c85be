"""The dialects of licc: `torch` (import), `lic` (codec graph), `hls` (dataflow)."""

from __future__ import annotations

from collections.abc import Callable

from xdsl.ir import Dialect


def registered_dialects() -> dict[str, Callable[[], Dialect]]:
    """Loaders for every licc dialect, imported only when IR first uses them."""

    def torch() -> Dialect:
        from lic_compiler.dialects.torch import Torch

        return Torch

    def lic() -> Dialect:
        from lic_compiler.dialects.lic import Lic

        return Lic

    def hls() -> Dialect:
        from lic_compiler.dialects.hls import Hls

        return Hls

    return {"torch": torch, "lic": lic, "hls": hls}
