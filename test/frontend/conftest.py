"""Tiny models and their imports, shared by the frontend tests (imports are the slow part)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from lic_compiler.frontend import ImportResult, import_model
from lic_compiler.models import build

ARCHS = ("bmshj2018-factorized", "bmshj2018-hyperprior", "mbt2018-mean")
FRAME = (128, 64)  # divisible by 64, and not square so width/height mix-ups show


def build_tiny(arch: str, gdn: str = "standard", seed: int = 0) -> torch.nn.Module:
    """A small model whose GDN parameters are not at their (symmetric) initial values."""
    torch.manual_seed(seed)
    model = build(arch, 4, 6, gdn).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(("beta", "gamma")):
                p.uniform_(0.2, 1.0)
    return model


_IMPORTS: dict[str, ImportResult] = {}


@pytest.fixture(scope="session", params=ARCHS)
def imported(request: pytest.FixtureRequest) -> ImportResult:
    """Every part of one architecture at FRAME, imported once per session."""
    arch = request.param
    if arch not in _IMPORTS:
        _IMPORTS[arch] = import_model(build_tiny(arch), frame=FRAME)
    return _IMPORTS[arch]


@pytest.fixture
def tiny() -> Callable[..., torch.nn.Module]:
    """`tiny(arch, gdn="standard", seed=0)`: a freshly built small model."""
    return build_tiny
