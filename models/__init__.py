"""LIC models for licc: architectures, checkpoints, data, training and distillation.

Plain PyTorch on top of CompressAI; nothing here imports the compiler.
"""

from lic_compiler.models.arch import ARCHITECTURES, GDN_VARIANTS, build
from lic_compiler.models.checkpoint import load_checkpoint, save_checkpoint

__all__ = ["ARCHITECTURES", "GDN_VARIANTS", "build", "load_checkpoint", "save_checkpoint"]
