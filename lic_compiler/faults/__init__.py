"""Soft errors in the emitted design: fault-injection campaigns on the integer codec.

`run_campaign(model, out_dir, CampaignOptions(...))` builds the design as `licc`
does and measures what single-bit upsets in its memories (weights, tables,
streams, accumulators) cost in PSNR and rate; see docs/faults.md.
"""

from lic_compiler.faults.campaign import CampaignOptions
from lic_compiler.faults.run import run_campaign
from lic_compiler.faults.sites import TARGETS

__all__ = ["TARGETS", "CampaignOptions", "run_campaign"]
