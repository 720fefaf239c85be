"""The training objective as a module: rate-distortion, plus distillation from a teacher.

Wrapping the whole loss in one `nn.Module` lets DistributedDataParallel see
every trained parameter (the codec's and the adapters') in one forward.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from lic_compiler.models.arch import GDN
from lic_compiler.models.losses import (
    PIXEL_SCALE,
    KDWeights,
    adapter,
    entropy_weighted_mse,
    normalised_mse,
    rate_distortion,
)


class Taps:
    """Records the outputs of named submodules on every forward."""

    def __init__(self, model: nn.Module, names: list[str]) -> None:
        self.outputs: dict[str, Tensor] = {}
        for name in names:
            model.get_submodule(name).register_forward_hook(self._hook(name))

    def _hook(self, name: str):
        def record(_module: nn.Module, _inputs: tuple, output: Tensor) -> None:
            self.outputs[name] = output

        return record


def feature_names(model: nn.Module) -> list[str]:
    """The GDN layers of the analysis and synthesis transforms: the intermediate features."""
    return [n for n, m in model.named_modules() if isinstance(m, GDN) and n.startswith(("g_a.", "g_s."))]


def _width(model: nn.Module, name: str) -> int:
    if name == "g_a":
        return int(model.M)
    if name == "h_a":
        return int(model.N)
    return int(model.get_submodule(name).beta.shape[0])


class Objective(nn.Module):
    """Loss of a codec on a batch; with a teacher, the distillation terms too.

    `forward(x, rd_weight)` returns the terms (``loss``, ``bpp``, ``mse`` and,
    when distilling, ``kd``). `rd_weight` scales the rate-distortion part, so a
    schedule can align features first (rd_weight 0) and fine-tune after.
    """

    def __init__(
        self, model: nn.Module, lmbda: float, teacher: nn.Module | None = None, kd: KDWeights | None = None
    ) -> None:
        super().__init__()
        self.model, self.lmbda = model, lmbda
        self.teacher = teacher.requires_grad_(False).eval() if teacher is not None else None
        self.kd = kd or KDWeights()
        self.adapters = nn.ModuleDict()
        if teacher is None:
            return
        names = self._matched_names()
        for name in names:
            self.adapters[_key(name)] = adapter(_width(model, name), _width(teacher, name))
        self._student_taps, self._teacher_taps = Taps(model, names), Taps(teacher, names)

    def _matched_names(self) -> list[str]:
        """Tapped tensors: y when a latent term is on, z for hyperpriors, GDN outputs for features."""
        names = []
        if self.kd.latent or self.kd.entropy:
            names.append("g_a")
        if self.kd.hyper and hasattr(self.model, "h_a"):
            names.append("h_a")
        if self.kd.feature:
            names += feature_names(self.model)
        return names

    def train(self, mode: bool = True) -> Objective:
        super().train(mode)
        if self.teacher is not None:
            self.teacher.eval()  # the teacher always quantises as it will at inference
        return self

    def forward(self, x: Tensor, rd_weight: float = 1.0) -> dict[str, Tensor]:
        out = self.model(x)
        terms = rate_distortion(out, x, self.lmbda)
        if self.teacher is not None and self.kd.mix:  # that share moves to the teacher's image
            terms["loss"] = terms["loss"] - self.kd.mix * self.lmbda * PIXEL_SCALE * terms["mse"]
        terms["loss"] = rd_weight * terms["loss"]
        if self.teacher is not None:
            terms["kd"] = self._distillation(out, x)
            terms["loss"] = terms["loss"] + terms["kd"]
        return terms

    def _distillation(self, out: dict, x: Tensor) -> Tensor:
        with torch.no_grad():
            t_out = self.teacher(x)
        s, t = self._student_taps.outputs, self._teacher_taps.outputs
        kd = self.kd
        recon = kd.recon + kd.mix
        loss = recon * self.lmbda * PIXEL_SCALE * (out["x_hat"] - t_out["x_hat"]).pow(2).mean()
        if kd.latent:
            loss = loss + kd.latent * normalised_mse(self.adapters["g_a"](s["g_a"]), t["g_a"])
        if kd.entropy:
            y = self.adapters["g_a"](s["g_a"])
            loss = loss + kd.entropy * entropy_weighted_mse(y, t["g_a"], t_out["likelihoods"]["y"])
        if "h_a" in s:
            loss = loss + kd.hyper * normalised_mse(self.adapters["h_a"](s["h_a"]), t["h_a"])
        features = feature_names(self.model) if kd.feature else []
        if features:
            per_layer = [normalised_mse(self.adapters[_key(n)](s[n]), t[n]) for n in features]
            loss = loss + kd.feature * sum(per_layer) / len(per_layer)
        return loss


def _key(name: str) -> str:
    """ModuleDict keys cannot contain dots."""
    return name.replace(".", "_")
