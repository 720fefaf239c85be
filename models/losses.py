"""Rate-distortion and knowledge-distillation losses.

Rate is in bits per pixel, estimated from the entropy models' likelihoods;
distortion is MSE on [0, 1] images weighted as CompressAI does
(loss = bpp + λ·255²·MSE), so λ values are CompressAI's (q1–q4: 0.0018,
0.0035, 0.0067, 0.0130).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lic_compiler.errors import LiccError

# Scale of MSE on [0, 1] images in the loss: λ is defined on 8-bit pixel values.
PIXEL_SCALE = 255.0**2


def bpp(likelihoods: dict[str, Tensor], num_pixels: int) -> Tensor:
    """Estimated bits per pixel of all latents, from their likelihoods."""
    return sum(-torch.log2(lk).sum() for lk in likelihoods.values()) / num_pixels


def psnr(mse: float) -> float:
    """PSNR in dB of images in [0, 1]."""
    return 10 * math.log10(1 / mse) if mse > 0 else float("inf")


def rate_distortion(out: dict, x: Tensor, lmbda: float) -> dict[str, Tensor]:
    """``{"loss", "bpp", "mse"}`` of a codec's forward output on the batch `x`."""
    n, _, h, w = x.shape
    rate = bpp(out["likelihoods"], n * h * w)
    mse = F.mse_loss(out["x_hat"], x)
    return {"loss": rate + lmbda * PIXEL_SCALE * mse, "bpp": rate, "mse": mse}


@dataclass(frozen=True)
class KDWeights:
    """Weights of the distillation terms, added to the rate-distortion loss.

    recon: MSE between student and teacher reconstructions, in the same units
    as the distortion term (so 1.0 weighs the teacher's image like the
    original). latent / hyper / feature: normalised MSE (divided by the
    teacher tensor's mean square, so weights are scale-free) between the
    student's latent y, hyper-latent z and GDN outputs, mapped through 1×1
    adapters where widths differ, and the teacher's. entropy: the latent term
    with each teacher channel weighted by the bits it carries. mix: the share
    α of the distortion measured against the teacher's reconstruction rather
    than the original, distortion = (1−α)·MSE(x̂, x) + α·MSE(x̂, x̂_t); unlike
    recon, which adds to the distortion weight (and so moves the rate point
    as a larger λ would), it keeps the rate-distortion balance at λ.
    """

    recon: float = 1.0
    latent: float = 0.1
    hyper: float = 0.1
    feature: float = 0.1
    entropy: float = 0.0
    mix: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.mix <= 1:
            raise LiccError(f"distillation weight mix={self.mix:g} is a share of the distortion; choose it in [0, 1]")

    @classmethod
    def parse(cls, items: list[str] | tuple[str, ...]) -> KDWeights:
        """From ``name=value`` strings, e.g. ``("recon=1", "feature=0.5")``."""
        values = asdict(cls())
        for item in items:
            key, _, value = item.partition("=")
            if key not in values:
                raise LiccError(f"unknown distillation weight {key!r}; choose from {', '.join(values)}")
            try:
                values[key] = float(value)
            except ValueError:
                raise LiccError(f"distillation weight {item!r} is not name=number") from None
        return cls(**values)


def normalised_mse(student: Tensor, teacher: Tensor) -> Tensor:
    """MSE relative to the teacher's mean square, so terms of any scale weigh alike."""
    return F.mse_loss(student, teacher) / teacher.pow(2).mean().clamp_min(1e-8)


def entropy_weighted_mse(student: Tensor, teacher: Tensor, teacher_likelihoods: Tensor) -> Tensor:
    """Normalised latent MSE with channels weighted by their share of the teacher's bits."""
    bits = -torch.log2(teacher_likelihoods).sum(dim=(0, 2, 3))
    weights = (bits / bits.mean().clamp_min(1e-8)).view(1, -1, 1, 1)
    err = (weights * (student - teacher).pow(2)).mean()
    return err / teacher.pow(2).mean().clamp_min(1e-8)


def adapter(student_channels: int, teacher_channels: int) -> nn.Module:
    """A 1×1 convolution from student to teacher width, or identity when they agree."""
    if student_channels == teacher_channels:
        return nn.Identity()
    return nn.Conv2d(student_channels, teacher_channels, kernel_size=1)
