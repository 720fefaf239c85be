"""FPGA devices as data: one JSON file per board.

A board file names the part (for the Vitis scripts), its programmable-logic
resources, a default clock and a default utilisation cap. The bundled boards
live in ``lic_compiler/hw/devices/``; a user adds one by writing a file of the
same form and passing its path wherever a device name is accepted
(docs/cost-model.md, "Devices").
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
_KEYS = ("name", "part", "resources", "clock_mhz", "util_cap")
_FORMAT = "see docs/cost-model.md, Devices, for the format"


@dataclass(frozen=True)
class Device:
    name: str
    part: str
    resources: dict[str, int]
    clock_mhz: float
    util_cap: float
    board: str = ""
    source: str = ""
    path: str = ""  # the board file it was read from; empty for a bundled board

    @property
    def ref(self) -> str:
        """What `load_device` takes to load this board again (the IR records it)."""
        return self.path or self.name

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
            raise LiccError(f"device file {name_or_path} does not exist; check the path")
        return parse_device(_read_json(path), name_or_path, path=name_or_path)
    bundled = files("lic_compiler.hw") / "devices" / f"{name_or_path.lower()}.json"
    if not bundled.is_file():
        raise LiccError(
            f"unknown device '{name_or_path}'; choose one of {', '.join(bundled_devices())} "
            "or give the path of a board .json file (`licc --list-devices` describes them)"
        )
    return parse_device(json.loads(bundled.read_text()), name_or_path)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as e:
        raise LiccError(f"cannot read device file {path}: {e}") from None
    except json.JSONDecodeError as e:
        raise LiccError(f"device file {path} is not valid JSON ({e}); {_FORMAT}") from None
    if not isinstance(data, dict):
        raise LiccError(f"device file {path} must hold one JSON object; {_FORMAT}")
    return data


def parse_device(data: dict, origin: str, path: str = "") -> Device:
    """Validate a board description (see the bundled files for the form)."""
    missing = [k for k in _KEYS if k not in data]
    if missing:
        raise LiccError(f"device {origin} lacks {', '.join(missing)}; {_FORMAT}")
    res = data["resources"]
    if not isinstance(res, dict):
        raise LiccError(f"device {origin}: resources must be an object of counts; {_FORMAT}")
    absent = [r for r in RESOURCES if r not in res]
    if absent:
        raise LiccError(f"device {origin} lacks resources {', '.join(absent)} (write 0 if none)")
    if any(not isinstance(res[r], int) or isinstance(res[r], bool) or res[r] < 0 for r in RESOURCES):
        raise LiccError(f"device {origin}: resource counts must be non-negative integers")
    numbers = (data["util_cap"], data["clock_mhz"])
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers):
        raise LiccError(f"device {origin}: util_cap and clock_mhz must be numbers")
    if not 0 < data["util_cap"] <= 1 or data["clock_mhz"] <= 0:
        raise LiccError(f"device {origin}: need 0 < util_cap <= 1 and clock_mhz > 0")
    return Device(
        name=str(data["name"]),
        part=str(data["part"]),
        resources={r: res[r] for r in RESOURCES},
        clock_mhz=float(data["clock_mhz"]),
        util_cap=float(data["util_cap"]),
        board=data.get("board", ""),
        source=data.get("source", ""),
        path=path,
    )


def device_table(devices: list[Device]) -> str:
    """The boards as an aligned text table (`licc --list-devices`)."""
    header = ["name", "part", *RESOURCE_LABELS.values(), "clock MHz", "util cap"]
    rows = [
        [d.name, d.part, *(f"{d.resources[r]:,}" for r in RESOURCES), f"{d.clock_mhz:g}", f"{d.util_cap:g}"]
        for d in devices
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    # Names and parts left-aligned, numbers right-aligned.
    return "\n".join(
        "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip()
        for row in [header, *rows]
    ) + "\n"
