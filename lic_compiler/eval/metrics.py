"""Distortion metrics on 8-bit RGB images.

Both images are compared as the integers a viewer would see: the
reconstruction is rounded to 8 bits before any metric, as CompressAI does.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from pytorch_msssim import ms_ssim

# pytorch_msssim's default 11-tap window and 5 scales need a side > 160.
MS_SSIM_MIN_SIDE = 161


def mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared error over all pixels and channels of two uint8 images."""
    d = a.astype(np.float64) - b.astype(np.float64)
    return float(np.mean(d * d))


def psnr_from_mse(m: float) -> float:
    """PSNR in dB for 8-bit data; infinite for identical images."""
    return math.inf if m == 0 else 10.0 * math.log10(255.0**2 / m)


def ms_ssim_rgb(a: np.ndarray, b: np.ndarray) -> float:
    """MS-SSIM of two (H, W, 3) uint8 images (sides ≥ MS_SSIM_MIN_SIDE), data range 255.

    float32 as in CompressAI: 7× faster than float64 on CPU, within 1e-6 of it.
    """
    ta, tb = (torch.from_numpy(v).permute(2, 0, 1).unsqueeze(0).float() for v in (a, b))
    return float(ms_ssim(ta, tb, data_range=255.0))


def ms_ssim_db(value: float) -> float:
    """MS-SSIM on the decibel scale used in LIC papers: −10·log10(1 − MS-SSIM)."""
    return -10.0 * math.log10(1.0 - value) if value < 1.0 else math.inf
