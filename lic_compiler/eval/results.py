"""Results files in CompressAI's format, with licc's per-image detail beside it.

A file holds one curve::

    {"name": ..., "description": ...,
     "conventions": {key: what it means, ...},
     "results": {"bpp": [...], "psnr-rgb": [...], "ms-ssim-rgb": [...], ...},
     "points": [{"label", "config", "round-trip-checked", "images": [...]}, ...]}

``results`` holds one entry per rate point, sorted by bpp, and is all that
CompressAI's tools read; ``points`` (same order) keeps the per-image numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from lic_compiler.errors import LiccError

CONVENTIONS: dict[str, str] = {
    "bpp": (
        "mean over images of 8 × (bytes of the complete bitstream) / (height × width "
        "of the original image); for learned codecs the bitstream is the licc "
        "container (size header, latent shape, string lengths, entropy-coded "
        "strings), for JPEG the whole JFIF file"
    ),
    "psnr-rgb": (
        "mean over images of per-image PSNR (CompressAI's convention), "
        "on 8-bit RGB with the reconstruction rounded to integers"
    ),
    "psnr-rgb-from-mean-mse": "PSNR of the mean over images of per-image MSE, same 8-bit RGB",
    "mse-rgb": "mean over images of per-image MSE on 8-bit RGB (all channels)",
    "ms-ssim-rgb": "mean over images of per-image MS-SSIM on 8-bit RGB, data range 255",
    "encoding_time": "mean seconds per image to produce the bitstream",
    "decoding_time": "mean seconds per image to reconstruct from the bitstream",
}
SUMMARY_KEYS: tuple[str, ...] = tuple(CONVENTIONS)


def make_results(name: str, description: str, points: list[dict[str, Any]]) -> dict[str, Any]:
    """A results document from evaluated points (each with a "summary" of SUMMARY_KEYS)."""
    ordered = sorted(points, key=lambda p: p["summary"]["bpp"])
    return {
        "name": name,
        "description": description,
        "conventions": CONVENTIONS,
        "results": {k: [p["summary"][k] for p in ordered] for k in SUMMARY_KEYS},
        "points": [{k: v for k, v in p.items() if k != "summary"} for p in ordered],
    }


def save_results(results: dict[str, Any], path: str | Path) -> Path:
    """Write a results document as indented JSON, creating parent folders."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    return out


def load_results(path: str | Path) -> dict[str, Any]:
    """Read and check a results document (licc's or CompressAI's own)."""
    src = Path(path)
    try:
        doc = json.loads(src.read_text())
    except FileNotFoundError:
        raise LiccError(f"results file {src} does not exist") from None
    except OSError as e:
        raise LiccError(f"cannot read results file {src}: {e.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise LiccError(f"results file {src} is not valid JSON ({e})") from None
    _check(doc, src)
    return doc


def _check(doc: Any, src: Path) -> None:
    def bad(why: str) -> LiccError:
        return LiccError(f"results file {src} is malformed: {why}")

    if not isinstance(doc, dict):
        raise bad("the top level is not an object")
    if not isinstance(doc.get("name"), str):
        raise bad('no "name" string')
    res = doc.get("results")
    if not isinstance(res, dict) or "bpp" not in res:
        raise bad('no "results" object with a "bpp" list')
    for key, values in res.items():
        if not isinstance(values, list) or not all(_is_number(v) for v in values):
            raise bad(f'"results.{key}" is not a list of numbers')
    for key, values in res.items():
        if len(values) != len(res["bpp"]):
            raise bad(f'"results.{key}" has {len(values)} entries, "results.bpp" {len(res["bpp"])}')


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def curve(results: dict[str, Any], metric: str = "psnr-rgb") -> tuple[np.ndarray, np.ndarray]:
    """(bpp, metric) arrays of a results document, sorted by bpp."""
    res = results["results"]
    if metric not in res:
        raise LiccError(f'curve "{results["name"]}" has no "{metric}" results')
    rate = np.asarray(res["bpp"], dtype=np.float64)
    dist = np.asarray(res[metric], dtype=np.float64)
    order = np.argsort(rate, kind="stable")
    return rate[order], dist[order]

