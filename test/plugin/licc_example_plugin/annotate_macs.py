"""`example-annotate-macs`: attach each layer's MACs per frame as an attribute."""

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from lic_compiler.analysis import macs
from lic_compiler.dialects import lic


@dataclass
class AnnotateConv(RewritePattern):
    min_macs: int

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: lic.Conv2dOp | lic.ConvTranspose2dOp | lic.GdnOp, rewriter: PatternRewriter
    ) -> None:
        count = macs(op)
        if count >= self.min_macs and "macs" not in op.attributes:
            op.attributes["macs"] = IntegerAttr(count, i64)
            rewriter.notify_op_modified(op)


@dataclass(frozen=True)
class AnnotateMacsPass(ModulePass):
    """Attach `macs` (per frame) to every conv and GDN with at least `min-macs`."""

    name = "example-annotate-macs"

    min_macs: int = 0

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(AnnotateConv(self.min_macs)).rewrite_module(op)
