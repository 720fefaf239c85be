"""Build time per phase: `lic_compiler.timing` and `BuildResult.timings`."""

from __future__ import annotations

import time

import pytest

from lic_compiler.driver import DEFAULT_PIPELINE, BuildOptions, compile_model
from lic_compiler.errors import LiccError
from lic_compiler.timing import Timings, current, phase, recording


def test_phases_nest_add_up_and_keep_their_start_order():
    with recording() as timings:
        with phase("outer"):
            with phase("inner"):
                time.sleep(0.01)
            with phase("inner"):
                time.sleep(0.01)
        with phase("last"):
            pass
    assert list(timings.seconds) == ["outer", "outer/inner", "last"]
    assert timings.seconds["outer/inner"] >= 0.02
    assert timings.seconds["outer"] >= timings.seconds["outer/inner"]


def test_a_phase_without_a_recording_records_nothing_and_a_failing_one_is_timed():
    with phase("alone"):
        assert current() is None
    timings = Timings()
    with pytest.raises(ValueError), recording(timings), phase("fails"):
        time.sleep(0.01)
        raise ValueError
    assert timings.seconds["fails"] >= 0.01
    with recording(timings), recording() as inner:
        assert inner is timings  # a nested recording adds to the one in progress


@pytest.mark.slow
@pytest.mark.filterwarnings(r"ignore:.*torch\.jit\.script.*:FutureWarning")
def test_a_build_times_the_import_every_pass_the_report_and_the_emission(tmp_path):
    start = time.perf_counter()
    result = compile_model("bmshj2018-factorized:8x12", tmp_path / "b", BuildOptions(frame=(64, 48)))
    wall = time.perf_counter() - start
    passes = [p.split("{")[0] for p in DEFAULT_PIPELINE.split(",")]
    expected = ["import", *(f"pass {p}" for p in passes), "verify", "hardware report/fps-vs-dsp curve",
                "hardware report/plots", "hls emission", "write files"]
    assert set(expected) <= set(result.timings)
    top = sum(s for name, s in result.timings.items() if "/" not in name)
    assert all(s >= 0 for s in result.timings.values()) and top <= wall


@pytest.mark.filterwarnings(r"ignore:.*torch\.jit\.script.*:FutureWarning")
def test_a_failing_pass_is_timed_up_to_its_error(tmp_path):
    options = BuildOptions(frame=(64, 48), pipeline="convert-torch-to-lic,lic-quantize")
    with recording() as timings, pytest.raises(LiccError, match="run lic-rewrite-gdn first"):
        compile_model("bmshj2018-factorized:8x12", tmp_path / "b", options)
    assert {"import", "pass convert-torch-to-lic", "pass lic-quantize"} <= set(timings.seconds)
    assert not (tmp_path / "b").exists()
