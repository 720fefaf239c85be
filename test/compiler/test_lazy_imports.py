"""What a build does not use is not imported: scipy.stats (through CompressAI) loads on first use."""

import subprocess
import sys

SCRIPT = """
import sys
import lic_compiler.frontend.gdn_op  # CompressAI's GDN; registers a torch op, which reads every module's __file__
import lic_compiler.models
assert type(sys.modules["scipy.stats"]).__name__ == "OnFirstUse", "scipy.stats was imported"
from compressai.entropy_models import GaussianConditional
assert abs(GaussianConditional._standardized_quantile(0.025) + 1.959964) < 1e-6
import scipy.stats
assert type(scipy.stats).__name__ == "module" and sys.modules["scipy.stats"] is scipy.stats
"""


def test_scipy_stats_loads_on_first_use():
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
