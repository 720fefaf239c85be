"""lit configuration of the example plugin's tests: licc's, reused (see docs/writing-a-pass.md)."""

from lic_compiler.testing.lit import configure

configure(config, lit_config, __file__, name="licc-example-plugin")  # noqa: F821 (lit defines both)
