"""`licc-opt`: parse IR, run a pass pipeline, print IR (used by the lit tests).

Built on xDSL's `xDSLOptMain`, with licc's dialects and pass registry. Errors
in the input or in a pass print one line and exit with code 2; with
``--verify-diagnostics`` they are printed to stdout and the exit code is 0,
so that lit tests can FileCheck them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from xdsl.utils.exceptions import DiagnosticException, ParseError, PassFailedException
from xdsl.xdsl_opt_main import xDSLOptMain

from lic_compiler import __version__
from lic_compiler.errors import LiccError
from lic_compiler.ir import describe_parse_error, make_context, parse_module
from lic_compiler.registry import all_passes, one_line, parse_pipeline


class LiccOptMain(xDSLOptMain):
    version_format = f"licc-opt {__version__} (xDSL {{xdsl_version}})"

    def register_all_dialects(self) -> None:
        self.ctx = make_context()

    def register_all_frontends(self) -> None:
        def parse_mlir(io):
            return parse_module(io.read().decode(), self.get_input_name(), self.ctx)

        self.available_frontends["mlir"] = parse_mlir

    def register_all_passes(self) -> None:
        for name, factory in all_passes().items():
            self.register_pass(name, factory)

    def register_all_targets(self) -> None:
        from xdsl.targets.mlir import MLIRTarget

        self.available_targets["mlir"] = lambda: MLIRTarget

        def hls_cpp():
            from lic_compiler.backends.hls_cpp import HlsCppTarget

            return HlsCppTarget

        self.available_targets["hls-cpp"] = hls_cpp

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument(
            "--list-passes", action="store_true", help="list the available passes and exit"
        )

    def apply_passes(self, prog) -> None:
        # A pass's LiccError becomes a diagnostic, so --split-input-file goes on
        # to the next chunk and --verify-diagnostics prints it.
        try:
            super().apply_passes(prog)
        except LiccError as e:
            raise PassFailedException(str(e)) from None

    def setup_pipeline(self) -> None:
        def verify(_prev, module, _next) -> None:
            if not self.args.disable_verify:
                module.verify()

        self.pipeline = parse_pipeline(self.args.passes, verify)


def list_passes() -> tuple[str, list[str]]:
    """The passes that load, one line each, and one error line per plugin that does not."""
    lines, errors = [], []
    for name, load in sorted(all_passes().items()):
        try:
            doc = (load().__doc__ or "").strip().splitlines()
        except LiccError as e:
            errors.append(str(e))
            continue
        lines.append(f"{name:28s} {doc[0] if doc else ''}")
    return "\n".join(lines), errors


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--list-passes" in argv:
        listing, errors = list_passes()
        for error in errors:
            print(f"licc-opt: error: {error}", file=sys.stderr)
        print(listing)
        return
    diagnostics = "--verify-diagnostics" in argv or "--parsing-diagnostics" in argv
    try:
        LiccOptMain(description="licc IR optimizer driver", args=argv).run()
    except (LiccError, DiagnosticException, ParseError) as e:
        if diagnostics:
            print(one_line(str(e)) if isinstance(e, LiccError) else e)
            return
        msg = describe_parse_error(e) if isinstance(e, ParseError) else one_line(str(e))
        print(f"licc-opt: error: {msg}", file=sys.stderr)
        sys.exit(2)
    except OSError as e:
        print(f"licc-opt: error: {e.strerror}: {e.filename}", file=sys.stderr)
        sys.exit(2)
