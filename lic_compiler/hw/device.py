"""FPGA devices as data: one JSON file per board.

A board file names the part (for the Vitis scripts), its programmable-logic
resources, a default clock and a default utilisation cap. The bundled boards
live in ``lic_compiler/hw/devices/``; a user adds one by writing a file of the
same form and passing its path wherever a device name is accepted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from lic_compiler.errors import LiccError

# The order every resource vector in the hardware model uses.
RESOURCES = ("dsp", "bram18", "uram", "lut", "ff")
RESOURCE_LABELS = {"dsp": "DSP", "bram18": "BRAM18", "uram": "URAM", "lut": "LUT", "ff": "FF"}


@dataclass(frozen=True)
class Device:
    name: str
    part: str
    resources: dict[str, int]
    clock_mhz: float
    util_cap: float
    board: str = ""
    source: str = ""

    def budget(self, util_cap: float | None = None) -> dict[str, int]:
        """Resources usable under the cap (the device default when `util_cap` is None)."""
        cap = self.util_cap if util_cap is None else util_cap
        return {r: int(self.resources[r] * cap) for r in RESOURCES}


def bundled_devices() -> list[str]:
    """Names of the boards shipped with licc."""
    folder = files("lic_compiler.hw") / "devices"
    return sorted(p.name[: -len(".json")] for p in folder.iterdir() if p.name.endswith(".json"))


def load_device(name_or_path: str) -> Device:
    """A bundled board by name (``zcu102``) or a board file by path."""
    path = Path(name_or_path)
    if path.suffix == ".json" or path.exists():
        if not path.is_file():
            raise LiccError(f"device file {name_or_path} does not exist")
        text = path.read_text()
    else:
        bundled = files("lic_compiler.hw") / "devices" / f"{name_or_path.lower()}.json"
        if not bundled.is_file():
            raise LiccError(
                f"unknown device '{name_or_path}'; choose one of {', '.join(bundled_devices())} "
                "or give the path of a board .json file"
            )
        text = bundled.read_text()
    return parse_device(json.loads(text), name_or_path)


def parse_device(data: dict, origin: str) -> Device:
    """Validate a board description (see the bundled files for the form)."""
    missing = [k for k in ("name", "part", "resources", "clock_mhz", "util_cap") if k not in data]
    if missing:
        raise LiccError(f"device {origin} lacks {', '.join(missing)}")
    res = data["resources"]
    absent = [r for r in RESOURCES if r not in res]
    if absent:
        raise LiccError(f"device {origin} lacks resources {', '.join(absent)} (write 0 if none)")
    if any(not isinstance(res[r], int) or res[r] < 0 for r in RESOURCES):
        raise LiccError(f"device {origin}: resource counts must be non-negative integers")
    if not 0 < data["util_cap"] <= 1 or data["clock_mhz"] <= 0:
        raise LiccError(f"device {origin}: need 0 < util_cap <= 1 and clock_mhz > 0")
    return Device(
        name=data["name"],
        part=data["part"],
        resources={r: res[r] for r in RESOURCES},
        clock_mhz=float(data["clock_mhz"]),
        util_cap=float(data["util_cap"]),
        board=data.get("board", ""),
        source=data.get("source", ""),
    )
