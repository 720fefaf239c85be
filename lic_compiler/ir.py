"""IR services shared by every level: the context, parsing, printing, weights.

Weights are constants in the IR: inline ``dense<…>`` for small tensors (tests)
and ``dense_resource<…>`` blobs for real models. xDSL keeps resource blobs in
one process-wide store keyed by handle, so handles here are content hashes:
two tensors share a handle only if they share their bytes, and the same model
always prints the same text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import fields
from functools import lru_cache

import numpy as np
from xdsl.context import Context
from xdsl.dialect_interfaces.op_asm import OpAsmDialectInterface
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    Float32Type,
    Float64Type,
    IntegerType,
    ModuleOp,
    Signedness,
    TensorType,
)
from xdsl.ir import Attribute
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import ParseError

from lic_compiler.errors import LiccError

# Tensors with at most this many elements are printed inline as dense<…>.
INLINE_LIMIT = 64


class LiccContext(Context):
    """A context that also parses `torch.aten.*` ops the torch dialect does not define.

    They become generic `AtenOp`s carrying their name, so a model with an
    unsupported layer stops in conversion with a diagnostic, not in the parser.
    """

    def get_optional_op(self, name: str, *, dialect_stack: Sequence[str] = ()):
        if name.startswith("torch.") and self._get_known_op(name) is None:
            from lic_compiler.dialects.torch import generic_op

            if (op := generic_op(name)) is not None:
                self.load_op(op)
        return super().get_optional_op(name, dialect_stack=dialect_stack)

    def clone(self) -> LiccContext:
        base = super().clone()
        return LiccContext(**{f.name: getattr(base, f.name) for f in fields(base)})


def make_context() -> Context:
    """A context with every dialect licc knows, loaded on first use."""
    from xdsl.dialects.builtin import Builtin
    from xdsl.dialects.func import Func

    from lic_compiler.dialects import registered_dialects

    ctx = LiccContext()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(Func)
    for name, loader in registered_dialects().items():
        ctx.register_dialect(name, loader)
    return ctx


def parse_module(text: str, source: str = "<input>", ctx: Context | None = None) -> ModuleOp:
    """Parse IR text; syntax errors become a `LiccError` naming the location."""
    parser = Parser(ctx or make_context(), text, source)
    parser.dialect_resources.update(_stored_resources(text))
    try:
        module = parser.parse_module()
    except ParseError as e:
        raise LiccError(f"malformed IR: {describe_parse_error(e)}") from None
    return module


_RESOURCE_ENTRY = re.compile(r'(?<![\w.$-])([\w.$-]+): "(0x[0-9A-Fa-f]*)"')


def _stored_resources(text: str) -> set[tuple[str, str]]:
    """Handles in `text` already stored with the same blob.

    xDSL renames a parsed handle that is already stored (`w` → `w_0`), so the
    same text parsed twice would print differently. Telling the parser these
    handles are known makes it reuse them; a handle with different bytes is
    still renamed, never overwritten.
    """
    start = text.rfind("{-#")
    if start < 0:
        return set()
    blobs = _builtin_blobs()
    return {
        ("builtin", handle)
        for handle, blob in _RESOURCE_ENTRY.findall(text, start)
        if blobs.lookup(handle) == blob
    }


def print_module(module: ModuleOp) -> str:
    """Print IR text, resource blobs included, ending in a newline."""
    import io

    out = io.StringIO()
    printer = Printer(stream=out)
    printer.print_op(module)
    printer.print_metadata(_dialects_with_resources())
    out.write("\n")
    return out.getvalue()


def _dialects_with_resources():
    from xdsl.dialects.builtin import Builtin

    return [Builtin]


def describe_parse_error(e: ParseError) -> str:
    """``file:line:col: message`` — a parse error on one line."""
    return f"{e.span.get_location()}: {e.msg}"


# --- weights -----------------------------------------------------------------

_NUMPY_OF_FLOAT = {Float32Type: np.float32, Float64Type: np.float64}


def numpy_dtype(element_type: Attribute) -> np.dtype:
    """The numpy dtype that stores one element of an IR element type."""
    for cls, dt in _NUMPY_OF_FLOAT.items():
        if isinstance(element_type, cls):
            return np.dtype(dt)
    if isinstance(element_type, IntegerType):
        width = element_type.width.data
        bits = next(b for b in (8, 16, 32, 64) if width <= b)
        signed = element_type.signedness.data != Signedness.UNSIGNED
        return np.dtype(f"{'i' if signed else 'u'}{bits // 8}")
    raise LiccError(f"weights of element type {element_type} are not supported")


def _builtin_blobs() -> OpAsmDialectInterface:
    from xdsl.dialects.builtin import Builtin

    interface = Builtin.get_interface(OpAsmDialectInterface)
    assert interface is not None
    return interface


@lru_cache(maxsize=512)
def _decode_blob(handle: str, hexblob: str, dtype: str) -> np.ndarray:
    # MLIR blob: 4-byte little-endian alignment, then the raw little-endian data.
    raw = bytes.fromhex(hexblob[2:])
    arr = np.frombuffer(raw[4:], dtype=np.dtype(dtype).newbyteorder("<"))
    arr.flags.writeable = False
    return arr


def to_numpy(attr: Attribute) -> np.ndarray:
    """Read a weight constant (inline dense or dense_resource) as a numpy array."""
    if isinstance(attr, DenseIntOrFPElementsAttr):
        dtype = numpy_dtype(attr.get_element_type())
        shape = attr.get_shape()
        flat = np.frombuffer(attr.data.data, dtype=dtype)
        return np.broadcast_to(flat, shape) if flat.size == 1 else flat.reshape(shape)
    if isinstance(attr, DenseResourceAttr):
        handle = attr.resource_handle.data
        blob = _builtin_blobs().lookup(handle)
        if not blob:
            raise LiccError(f"dense_resource<{handle}> has no blob in the IR's resources")
        assert isinstance(attr.type, TensorType)
        dtype = numpy_dtype(attr.type.get_element_type())
        return _decode_blob(handle, blob, dtype.str).reshape(attr.type.get_shape())
    raise LiccError(f"expected a dense weight constant, got {attr}")


def from_numpy(array: np.ndarray, element_type: Attribute, name: str = "w") -> Attribute:
    """A weight constant holding `array`: inline when small, else a resource blob."""
    dtype = numpy_dtype(element_type)
    array = np.ascontiguousarray(array, dtype=dtype.newbyteorder("<"))
    ttype = TensorType(element_type, array.shape)
    if array.size <= INLINE_LIMIT:
        return DenseIntOrFPElementsAttr(ttype, BytesAttr(array.tobytes()))
    data = array.tobytes()
    digest = hashlib.sha256(data + str(array.shape).encode() + str(element_type).encode())
    handle = f"{name}_{digest.hexdigest()[:16]}"
    alignment = max(dtype.itemsize, 4).to_bytes(4, "little")
    blobs = _builtin_blobs()
    if blobs.lookup(handle) is None:
        blobs.declare_resource(handle)
        blobs.parse_resource(handle, "0x" + (alignment + data).hex().upper())
    return DenseResourceAttr.from_params(handle, ttype)
