"""Editing pass-pipeline strings: `licc -p` shorthands and options set by flags.

A pipeline spec is xDSL's ``a,b{opt=1},c`` with two additions:

- ``...`` stands for the default pipeline: ``-p '...,my-pass'`` runs
  ``my-pass`` after it, ``-p 'my-pass,...'`` before it;
- ``+PASS`` inserts one pass into the rest of the spec (the default pipeline
  when nothing else is given): ``+PASS@before:NAME`` / ``+PASS@after:NAME``
  place it next to the first pass called ``NAME``; a bare ``+PASS`` goes just
  before ``convert-lic-to-hls`` (on the final, integer lic IR), or last when
  the pipeline has no such pass. ``+PASS{opt=1}`` carries options as usual.
"""

from __future__ import annotations

import re
from decimal import Decimal

from lic_compiler.errors import LiccError
from lic_compiler.registry import get_pass, one_line

ELLIPSIS = "..."
# Where a bare `+PASS` goes: before this pass (the end of the lic level).
DEFAULT_ANCHOR = "convert-lic-to-hls"
_INSERT = re.compile(r"^\+(?P<spec>[^@]+?)(?:@(?P<where>before|after):(?P<anchor>[A-Za-z0-9_-]+))?$")


def split_pipeline(spec: str) -> list[str]:
    """The top-level elements of `spec`: commas inside ``{…}``, ``[…]`` or strings do not split."""
    items, depth, start, quoted, escaped = [], 0, 0, False, False
    for i, ch in enumerate(spec):
        if escaped:
            escaped = False
        elif quoted:
            escaped, quoted = ch == "\\", ch != '"'
        elif ch == '"':
            quoted = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(spec[start:i].strip())
            start = i + 1
    items.append(spec[start:].strip())
    return [item for item in items if item]


def pass_name(item: str) -> str:
    """The pass an element runs (``a{x=1}`` → ``a``)."""
    return re.split(r"[{\[]", item, maxsplit=1)[0].strip()


def expand_pipeline(spec: str, default: str) -> str:
    """`spec` with ``...`` replaced by `default` and every ``+PASS`` inserted (see the module doc)."""
    items = split_pipeline(spec)
    inserts = [item for item in items if item.startswith("+")]
    base = [item for item in items if not item.startswith("+")]
    if inserts and not base:
        base = [ELLIPSIS]  # `+PASS` alone edits the default pipeline
    if base.count(ELLIPSIS) > 1:
        raise LiccError(f"pipeline '{spec}' has '...' (the default pipeline) more than once; keep one")
    slots = [([], item, []) for i in base for item in (split_pipeline(default) if i == ELLIPSIS else [i])]
    for item in inserts:
        _insert(item, slots)
    out = [p for before, item, after in slots for p in (*before, item, *after)]
    for name in dict.fromkeys(pass_name(p) for p in out):
        get_pass(name)  # an unknown pass: the registry's one-line error
    return ",".join(out)


def _insert(item: str, slots: list[tuple[list[str], str, list[str]]]) -> None:
    match = _INSERT.match(item)
    if match is None:
        raise LiccError(
            f"cannot read '{item}' in the pipeline; write +PASS, +PASS{{options}}, "
            "+PASS@before:NAME or +PASS@after:NAME"
        )
    names = [pass_name(it) for _, it, _ in slots]
    anchor, where = match["anchor"], match["where"]
    if anchor is None:
        anchor, where = DEFAULT_ANCHOR, "before"
        if anchor not in names:
            slots[-1][2].append(match["spec"])
            return
    if anchor not in names:
        raise LiccError(
            f"cannot place '{item}': the pipeline has no {anchor} (it runs {', '.join(names)})"
        )
    before, _, after = slots[names.index(anchor)]
    (before if where == "before" else after).append(match["spec"])


def with_pass_options(pipeline: str, name: str, options: dict[str, str | float | bool]) -> str:
    """`pipeline` with `options` added to every `name` pass (a key it already sets is an error)."""
    if not options:
        return pipeline
    items = split_pipeline(pipeline)
    if name not in (pass_name(item) for item in items):
        raise LiccError(
            f"--{next(iter(options))} sets an option of {name}, which the pipeline lacks; "
            f"add it, e.g. -p '+{name}'"
        )
    return ",".join(_with_options(item, options) if pass_name(item) == name else item for item in items)


def _with_options(item: str, options: dict[str, str | float | bool]) -> str:
    from xdsl.utils.arg_spec import ArgSpecParseError, parse_spec

    try:
        given = {k.replace("_", "-") for k in parse_spec(item).parameters}
    except ArgSpecParseError as e:
        raise LiccError(f"bad pass options in '{item}': {one_line(str(e))}") from None
    for key in options:
        if key in given:
            raise LiccError(f"{pass_name(item)}'s {key} is set twice, in the pipeline and by --{key}; keep one")
    head, _, rest = item.partition("{")
    own = rest.rstrip()[:-1].strip()  # the options inside the braces, if any
    added = " ".join([own] * bool(own) + [f"{k}={_value(v)}" for k, v in options.items()])
    return f"{head}{{{added}}}"


def _value(value: str | float | bool) -> str:
    """`value` as xDSL's spec lexer reads it back: strings quoted, numbers without exponents."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{Decimal(repr(value)):f}"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
