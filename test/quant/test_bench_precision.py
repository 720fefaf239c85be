"""bench/precision.py: its table compares a search with the drop against the checkpoint's
own float, and its cache keys designs by the compiler's sources."""

import pytest


@pytest.fixture(scope="module")
def bench(load_bench):
    return load_bench("precision")


def _row(curve: str, fps: float, kodak: list, own: list | None = None, held: list | None = None) -> dict:
    row = {"curve": curve, "fps": [fps] * len(kodak), "bd_rate": 1.0, "kodak_drop": kodak,
           "held_out_drop": held, "held_out_bound": held}
    return row | ({"own_drop": own} if own is not None else {})


def test_a_fine_tuned_familys_search_is_checked_against_its_own_float(bench):
    """A fine-tuned checkpoint's drop against the zoo's float is not what its search
    measured: the excess column uses the drop against its own float."""
    rows = [
        _row("W8A8", 40.0, [0.02, 0.03]),
        _row("qat hybrid 0.1", 50.0, [-0.3, 0.6], own=[0.08, 0.07], held=[0.05, 0.06]),
    ]
    text = bench.table({"frame": "8x8", "images": "/k", "devices": {"zcu102": rows}})
    line = next(line for line in text.splitlines() if line.startswith("| qat hybrid 0.1 "))
    assert line.endswith("| +0.030 dB / +0.030 dB |")  # 0.08 − 0.05, not 0.6 − 0.06
    assert "| 1.25 |" in line


def test_a_table_without_w8a8_has_no_ratio(bench):
    text = bench.table({"frame": "8x8", "images": "/k", "devices": {"kv260": [_row("hybrid 0.1", 50.0, [0.1])]}})
    assert "| hybrid 0.1 | 50.00 |  |" in text


def test_the_cache_keys_change_with_the_sources(bench, tmp_path, monkeypatch):
    """A design or a search from other code is not reused: the key holds the sources' hash."""
    (tmp_path / "lic_compiler").mkdir()
    (tmp_path / "lic_compiler" / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    before = bench._code_version()
    (tmp_path / "lic_compiler" / "a.py").write_text("x = 2\n")
    assert bench._code_version() != before
