"""Static frame sizes: parsing `WxH` and checking them against a model's stride."""

from __future__ import annotations

import re

from lic_compiler.errors import LiccError

DEFAULT_FRAME = (1280, 720)


def parse_frame(text: str) -> tuple[int, int]:
    """``"1280x720"`` → ``(1280, 720)`` (width, height)."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if match is None or 0 in (width := int(match[1]), height := int(match[2])):
        raise LiccError(f"frame {text!r} is not WIDTHxHEIGHT with positive integers, e.g. 1280x720")
    return width, height


def format_frame(frame: tuple[int, int]) -> str:
    return f"{frame[0]}x{frame[1]}"


def check_frame(frame: tuple[int, int], stride: int, arch: str, fix: str = "pad the image") -> None:
    """Raise a LiccError naming nearby sizes when `stride` does not divide `frame`."""
    width, height = frame
    if width % stride == 0 and height % stride == 0:
        return
    down = (width // stride * stride, height // stride * stride)
    up = (-(-width // stride) * stride, -(-height // stride) * stride)
    sizes = [format_frame(f) for f in (down, up) if 0 not in f]
    raise LiccError(
        f"frame {format_frame(frame)} is not divisible by the total stride {stride} of {arch}; "
        f"use {' or '.join(sizes)} ({fix})"
    )
