"""Structured channel pruning: channel groups, importance criteria, the record, export.

    from lic_compiler.pruning import export_checkpoint, latent_channels, pruning_record

`lic-prune-channels` (passes/prune_channels.py) prunes the IR with these;
`export_checkpoint` writes the pruned IR back as a smaller checkpoint, and
`prune_checkpoint` does import, pruning and export in one call. The export
side loads torch and CompressAI on first use only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lic_compiler.pruning.record import RECORD_ATTR, latent_channels, pruning_record

if TYPE_CHECKING:
    from lic_compiler.pruning.export import export_checkpoint, prune_checkpoint

__all__ = ["RECORD_ATTR", "export_checkpoint", "latent_channels", "prune_checkpoint", "pruning_record"]


def __getattr__(name: str) -> Any:
    if name in ("export_checkpoint", "prune_checkpoint"):
        from lic_compiler.pruning import export

        return getattr(export, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
