"""lit configuration: FileCheck tests of licc's dialects, passes and backends (see lic_compiler.testing.lit)."""

from lic_compiler.testing.lit import configure

configure(config, lit_config, __file__, name="licc")  # noqa: F821 (lit defines both)
