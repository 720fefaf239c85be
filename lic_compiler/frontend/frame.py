"""Static frame sizes: parsing `WxH`, and fitting them to a model's stride.

A frame the model's total stride does not divide is padded by edge replication
at the bottom and right to the next multiple (`padded_frame`): the design's
input stage pads, the decoder's output stage crops back (`frame_op`), and the
evaluation pads images the same way (`frame_padding`).
"""

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


def padded_frame(frame: tuple[int, int], stride: int, arch: str) -> tuple[int, int]:
    """`frame` rounded up to multiples of `stride`; a frame smaller than the stride is refused."""
    width, height = frame
    if width < stride or height < stride:
        raise LiccError(
            f"frame {format_frame(frame)} is smaller than the total stride {stride} of {arch}; "
            f"use at least {stride}x{stride}"
        )
    return -(-width // stride) * stride, -(-height // stride) * stride


def frame_padding(height: int, width: int, stride: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``F.pad`` arguments (left, right, top, bottom) that pad an image to multiples of
    `stride` at the bottom and right, as the hardware does (with ``mode="replicate"``),
    and those that crop the reconstruction back (CompressAI's `compute_padding` form)."""
    right, bottom = -width % stride, -height % stride
    return (0, right, 0, bottom), (0, -right, 0, -bottom)
