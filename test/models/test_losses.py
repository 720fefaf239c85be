import math

import pytest
import torch

from lic_compiler.errors import LiccError
from lic_compiler.models import build
from lic_compiler.models.distill import Objective
from lic_compiler.models.losses import (
    KDWeights,
    bpp,
    entropy_weighted_mse,
    normalised_mse,
    psnr,
    rate_distortion,
)


def test_bpp_counts_bits_of_every_latent() -> None:
    likelihoods = {"y": torch.full((2, 4, 3, 3), 0.5), "z": torch.full((2, 1, 1, 1), 0.25)}
    # 72 symbols of 1 bit and 2 of 2 bits over 2 images of 12×12 pixels.
    assert float(bpp(likelihoods, 2 * 12 * 12)) == pytest.approx((72 + 4) / 288)


def test_rate_distortion_uses_compressai_lambda_scale() -> None:
    x = torch.zeros(1, 3, 4, 4)
    out = {"x_hat": torch.full_like(x, 0.1), "likelihoods": {"y": torch.full((1, 1, 2, 2), 0.5)}}
    terms = rate_distortion(out, x, lmbda=0.01)
    assert float(terms["bpp"]) == pytest.approx(4 / 16)
    assert float(terms["mse"]) == pytest.approx(0.01)
    assert float(terms["loss"]) == pytest.approx(0.25 + 0.01 * 255**2 * 0.01)
    assert psnr(0.01) == pytest.approx(20.0)


def test_normalised_mse_is_scale_free() -> None:
    s, t = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4)
    assert float(normalised_mse(10 * s, 10 * t)) == pytest.approx(float(normalised_mse(s, t)), rel=1e-5)


def test_entropy_weighting_favours_channels_with_more_bits() -> None:
    teacher = torch.zeros(1, 2, 4, 4)
    likelihoods = torch.stack([torch.full((4, 4), 0.5), torch.full((4, 4), 0.125)]).unsqueeze(0)  # 1 and 3 bits
    error_in_cheap = teacher.clone()
    error_in_cheap[:, 0] += 1
    error_in_costly = teacher.clone()
    error_in_costly[:, 1] += 1
    teacher = teacher + 1  # non-zero mean square
    cheap = entropy_weighted_mse(error_in_cheap + 1, teacher, likelihoods)
    costly = entropy_weighted_mse(error_in_costly + 1, teacher, likelihoods)
    assert float(costly) == pytest.approx(3 * float(cheap))


def test_kd_weights_parse() -> None:
    assert KDWeights.parse(["recon=0.5", "entropy=2"]) == KDWeights(recon=0.5, entropy=2.0)
    with pytest.raises(LiccError, match="unknown distillation weight 'logits'; choose from recon, latent"):
        KDWeights.parse(["logits=1"])
    with pytest.raises(LiccError, match="distillation weight 'recon=high' is not name=number"):
        KDWeights.parse(["recon=high"])
    with pytest.raises(LiccError, match="mix=1.5 is a share of the distortion; choose it in \\[0, 1\\]"):
        KDWeights.parse(["mix=1.5"])


def test_mix_moves_a_share_of_the_distortion_to_the_teacher_image() -> None:
    torch.manual_seed(0)
    teacher, student = build("bmshj2018-factorized", 8, 12), build("bmshj2018-factorized", 8, 12)
    x = torch.rand(1, 3, 32, 32)
    objective = Objective(student, 0.01, teacher, KDWeights(recon=0, latent=0, feature=0, mix=0.25)).eval()
    with torch.no_grad():
        terms = objective(x)
        s_hat, t_hat = student(x)["x_hat"], teacher(x)["x_hat"]
    to_x, to_teacher = float((s_hat - x).pow(2).mean()), float((s_hat - t_hat).pow(2).mean())
    distortion = 0.75 * to_x + 0.25 * to_teacher  # the weights sum to 1: λ keeps its meaning
    assert float(terms["loss"]) == pytest.approx(float(terms["bpp"]) + 0.01 * 255**2 * distortion, rel=1e-5)
    assert float(terms["kd"]) == pytest.approx(0.01 * 255**2 * 0.25 * to_teacher, rel=1e-5)


def test_distillation_terms_vanish_for_a_copy_of_the_teacher() -> None:
    torch.manual_seed(0)
    teacher = build("bmshj2018-hyperprior", 8, 12)
    student = build("bmshj2018-hyperprior", 8, 12)
    student.load_state_dict(teacher.state_dict())
    weights = KDWeights(recon=1, latent=1, hyper=1, feature=1, entropy=1)
    objective = Objective(student, 0.01, teacher, weights).eval()  # both quantise by rounding
    assert all(isinstance(a, torch.nn.Identity) for a in objective.adapters.values())
    with torch.no_grad():
        terms = objective(torch.rand(1, 3, 64, 64))
    assert float(terms["kd"]) == 0.0


def test_distillation_through_adapters_trains_them() -> None:
    teacher = build("bmshj2018-factorized", 8, 12)
    objective = Objective(build("bmshj2018-factorized", 4, 6), 0.01, teacher, KDWeights(feature=1, entropy=1))
    assert sorted(objective.adapters) == ["g_a", "g_a_1", "g_a_3", "g_a_5", "g_s_1", "g_s_3", "g_s_5"]
    terms = objective.train()(torch.rand(2, 3, 32, 32), rd_weight=0.0)
    assert not teacher.training
    kd = float(terms["kd"].detach())
    assert math.isfinite(kd) and float(terms["loss"].detach()) == pytest.approx(kd)
    terms["loss"].backward()
    assert all(p.grad is not None for p in objective.adapters.parameters())
    assert all(p.grad is None for p in teacher.parameters())
