"""Pipeline strings: `...` and `+PASS` shorthands, options set from flags, `Hardware`."""

import pytest

from lic_compiler.driver import DEFAULT_PIPELINE, BuildOptions, Hardware
from lic_compiler.errors import LiccError
from lic_compiler.pipeline_edit import expand_pipeline, split_pipeline, with_pass_options
from lic_compiler.registry import parse_pipeline

# The two orders the default pipeline has had: inserts must not depend on either.
SET_FIRST = "convert-torch-to-lic,lic-quantize,lic-set-parallelism,convert-lic-to-hls,hls-size-fifos"
HLS_FIRST = "convert-torch-to-lic,lic-quantize,convert-lic-to-hls,lic-set-parallelism,hls-size-fifos"
PLUGIN = "example-annotate-macs"  # test/plugin's pass, installed by `make test`


def test_split_keeps_commas_inside_options_and_strings():
    spec = 'a{ram-styles=bram,lutram},b{path="x,y\\"z,"},c'
    assert split_pipeline(spec) == ["a{ram-styles=bram,lutram}", 'b{path="x,y\\"z,"}', "c"]
    assert split_pipeline(" a , b ,") == ["a", "b"]


@pytest.mark.parametrize("spec,expected", [
    ("...", SET_FIRST),
    (f"...,{PLUGIN}", f"{SET_FIRST},{PLUGIN}"),
    (f"{PLUGIN}{{min-macs=5}},...", f"{PLUGIN}{{min-macs=5}},{SET_FIRST}"),
    ("lic-quantize", "lic-quantize"),  # no shorthand: the spec as given
    ("", ""),  # no passes: the import alone
])
def test_ellipsis_is_the_default_pipeline(spec, expected):
    assert expand_pipeline(spec, SET_FIRST) == expected


@pytest.mark.parametrize("default", [SET_FIRST, HLS_FIRST])
def test_bare_plus_goes_before_the_hls_conversion_in_either_order(default):
    out = split_pipeline(expand_pipeline(f"+{PLUGIN}", default))
    assert out.index(PLUGIN) == out.index("convert-lic-to-hls") - 1
    assert [p for p in out if p != PLUGIN] == split_pipeline(default)


def test_plus_at_a_named_pass_keeps_the_order_given():
    spec = f"+{PLUGIN}{{min-macs=1}}@after:lic-quantize,+{PLUGIN}{{min-macs=2}}@after:lic-quantize"
    spec += f",+{PLUGIN}@before:convert-torch-to-lic"
    assert split_pipeline(expand_pipeline(spec, HLS_FIRST)) == [
        PLUGIN, "convert-torch-to-lic", "lic-quantize", f"{PLUGIN}{{min-macs=1}}",
        f"{PLUGIN}{{min-macs=2}}", "convert-lic-to-hls", "lic-set-parallelism", "hls-size-fifos"]


def test_plus_into_an_explicit_pipeline_and_without_the_hls_conversion():
    assert expand_pipeline(f"convert-torch-to-lic,lic-quantize,+{PLUGIN}", SET_FIRST) == (
        f"convert-torch-to-lic,lic-quantize,{PLUGIN}")
    assert expand_pipeline(f"convert-torch-to-lic,+{PLUGIN}@before:convert-torch-to-lic", SET_FIRST) == (
        f"{PLUGIN},convert-torch-to-lic")


@pytest.mark.parametrize("spec,message", [
    ("+no-such-pass", "unknown pass 'no-such-pass'; `licc-opt --list-passes` lists them"),
    ("...,no-such-pass", "unknown pass 'no-such-pass'"),
    ("...,...", "'...' (the default pipeline) more than once"),
    (f"+{PLUGIN}@after:lic-nothing", "the pipeline has no lic-nothing (it runs convert-torch-to-lic,"),
    (f"+{PLUGIN}@inside:lic-quantize", "write +PASS, +PASS{options}, +PASS@before:NAME or +PASS@after:NAME"),
])
def test_bad_shorthands_are_one_line_errors(spec, message):
    with pytest.raises(LiccError) as e:
        expand_pipeline(spec, SET_FIRST)
    assert message in str(e.value) and "\n" not in str(e.value)


def _set_parallelism(pipeline: str):
    (p,) = [p for p in parse_pipeline(pipeline).passes if p.name == "lic-set-parallelism"]
    return p


def test_options_join_the_pass_and_read_back_as_typed():
    path = 'my boards/odd "name", v2.json'
    options = {"device": path, "util-cap": 0.5, "target-fps": 30.0, "objective": "min-resources"}
    out = with_pass_options(f"lic-quantize,lic-set-parallelism{{scope=per-function}},{PLUGIN}",
                            "lic-set-parallelism", options)
    p = _set_parallelism(out)
    assert (p.device, p.util_cap, p.target_fps, p.objective, p.scope) == (
        path, 0.5, 30.0, "min-resources", "per-function")
    assert with_pass_options(SET_FIRST, "lic-set-parallelism", {}) == SET_FIRST
    # A tiny number keeps a form the spec lexer reads (no exponent).
    assert _set_parallelism(with_pass_options(SET_FIRST, "lic-set-parallelism", {"util-cap": 1e-05})).util_cap == 1e-05


@pytest.mark.parametrize("pipeline,message", [
    ("lic-set-parallelism{device=zcu102}", "lic-set-parallelism's device is set twice, in the pipeline and by --device"),
    ("lic-set-parallelism{target_fps=5}", "target-fps is set twice"),
    ("convert-torch-to-lic", "--device sets an option of lic-set-parallelism, which the pipeline lacks; "
                             "add it, e.g. -p '+lic-set-parallelism'"),
])
def test_option_conflicts_and_a_missing_pass(pipeline, message):
    with pytest.raises(LiccError, match=message.replace("+", r"\+")):
        with_pass_options(pipeline, "lic-set-parallelism", {"device": "kv260", "target-fps": 30.0})


@pytest.mark.parametrize("kwargs,message", [
    ({"device": "zcu999"}, "unknown device 'zcu999'; choose one of kv260, ultra96v2, zcu102, zcu104"),
    ({"util_cap": 80.0}, "--util-cap is a fraction of each resource in (0, 1], got 80; write 0.8 for 80 %"),
    ({"util_cap": 0.0}, "--util-cap is a fraction of each resource in (0, 1], got 0"),
    ({"clock_mhz": -1.0}, "--clock-mhz must be positive"),
    ({"target_fps": 0.0}, "--target-fps must be positive"),
    ({"objective": "fast"}, "--objective must be one of max-fps, min-resources, got 'fast'"),
    ({"scope": "all"}, "--scope must be one of joint, per-function"),
    ({"objective": "min-resources"}, "--objective min-resources needs --target-fps"),
])
def test_hardware_checks_before_any_work(kwargs, message):
    with pytest.raises(LiccError) as e:
        Hardware(**kwargs)
    assert message in str(e.value)


def test_build_options_compose_the_pipeline():
    assert BuildOptions().full_pipeline() == DEFAULT_PIPELINE
    hw = Hardware(device="kv260", target_fps=30, objective="min-resources", util_cap=0.5)
    assert hw.options() == {"device": "kv260", "util-cap": 0.5, "target-fps": 30, "objective": "min-resources"}
    out = BuildOptions(pipeline=f"+{PLUGIN}", hardware=hw).full_pipeline()
    assert PLUGIN in split_pipeline(out)
    p = _set_parallelism(out)
    assert (p.device, p.target_fps, p.objective, p.util_cap, p.clock_mhz) == (
        "kv260", 30, "min-resources", 0.5, None)
