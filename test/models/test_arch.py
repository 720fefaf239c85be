import pytest
import torch

from lic_compiler.errors import LiccError
from lic_compiler.models import ARCHITECTURES, build
from lic_compiler.models.arch import GDN, GDN1, gdn_variant


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("gdn", ["standard", "simplified"])
def test_build_any_width(arch: str, gdn: str) -> None:
    model = build(arch, N=8, M=12, gdn=gdn)
    gdns = [m for m in model.modules() if isinstance(m, GDN)]
    assert len(gdns) == 6
    assert all(isinstance(m, GDN1) == (gdn == "simplified") for m in gdns)
    assert gdn_variant(model) == gdn
    assert model.g_a[-1].out_channels == 12
    out = model(torch.rand(1, 3, 64, 64))
    assert out["x_hat"].shape == (1, 3, 64, 64)


def test_simplified_gdn_is_the_l1_form() -> None:
    layer = build("bmshj2018-factorized", 4, 6, "simplified").g_a[1]
    x = torch.randn(1, 4, 3, 3)
    beta, gamma = layer.beta_reparam(layer.beta), layer.gamma_reparam(layer.gamma)
    expected = x / (beta.view(1, 4, 1, 1) + torch.einsum("ij,njhw->nihw", gamma, x.abs()))
    torch.testing.assert_close(layer(x), expected)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("cheng2020", 8, 12), "unknown architecture 'cheng2020'; choose one of bmshj2018-factorized"),
        (("bmshj2018-factorized", 8, 12, "sqrt-free"), "unknown GDN variant 'sqrt-free'; choose one of standard, simplified"),
        (("bmshj2018-factorized", 0, 12), "channel counts must be positive"),
    ],
)
def test_build_rejects_bad_names(args: tuple, message: str) -> None:
    with pytest.raises(LiccError, match=message):
        build(*args)
