"""Reads the published `cosyvoice.yaml` (a HyperPyYAML file) without HyperPyYAML: every `!new:`/`!name:`/`!apply:`
node becomes a `Tagged` dict (its class path in `.tag`), `!ref <key>` is resolved against the top-level keys (simple
arithmetic such as `<a> * <b>` included), and nothing is ever instantiated or imported. `dump` writes the same dialect,
for the small configurations of the golden generators."""

from __future__ import annotations

import ast
import operator
import re
from typing import Any, Dict

import yaml


class Tagged(dict):
    """A mapping that HyperPyYAML would have turned into an object: `tag` is e.g. "new:pkg.module.Class"."""

    def __init__(self, tag: str, items: Dict[str, Any]):
        super().__init__(items)
        self.tag = tag

    @property
    def class_name(self) -> str:
        return self.tag.split(":", 1)[-1].rsplit(".", 1)[-1]


class _Ref:
    def __init__(self, expr: str):
        self.expr = expr


class _Loader(yaml.SafeLoader):
    pass


def _construct_tagged(loader: _Loader, suffix: str, node: yaml.Node) -> Any:
    kind = node.tag.split(":", 1)[0].lstrip("!")
    if isinstance(node, yaml.MappingNode):
        return Tagged(f"{kind}:{suffix}", loader.construct_mapping(node, deep=True))
    if isinstance(node, yaml.SequenceNode):
        return Tagged(f"{kind}:{suffix}", {"args": loader.construct_sequence(node, deep=True)})
    return Tagged(f"{kind}:{suffix}", {})


for _prefix in ("!new:", "!name:", "!apply:"):
    _Loader.add_multi_constructor(_prefix, _construct_tagged)
_Loader.add_constructor("!ref", lambda loader, node: _Ref(loader.construct_scalar(node)))
_Loader.add_constructor("!PLACEHOLDER", lambda loader, node: None)

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.USub: operator.neg}


def _eval(expr: str) -> Any:
    def ev(n: ast.AST) -> Any:
        if isinstance(n, ast.Expression):
            return ev(n.body)
        if isinstance(n, ast.Constant):
            return n.value
        if isinstance(n, ast.BinOp) and type(n.op) in _OPS:
            return _OPS[type(n.op)](ev(n.left), ev(n.right))
        if isinstance(n, ast.UnaryOp) and type(n.op) in _OPS:
            return _OPS[type(n.op)](ev(n.operand))
        raise ValueError(f"unsupported expression in !ref: {expr!r}")

    return ev(ast.parse(expr, mode="eval"))


def _lookup(root: Dict[str, Any], key: str) -> Any:
    node: Any = root
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"!ref <{key}>: no such key")
        node = node[part]
    return node


def _resolve(node: Any, root: Dict[str, Any]) -> Any:
    if isinstance(node, _Ref):
        refs = re.findall(r"<([^<>]+)>", node.expr)
        if len(refs) == 1 and node.expr.strip() == f"<{refs[0]}>":
            return _resolve(_lookup(root, refs[0]), root)
        text = node.expr
        for r in refs:
            text = text.replace(f"<{r}>", repr(_resolve(_lookup(root, r), root)))
        return _eval(text)
    if isinstance(node, Tagged):
        return Tagged(node.tag, {k: _resolve(v, root) for k, v in node.items()})
    if isinstance(node, dict):
        return {k: _resolve(v, root) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, root) for v in node]
    return node


def load(text: str) -> Dict[str, Any]:
    raw = yaml.load(text, Loader=_Loader)  # noqa: S506 - our loader only builds dicts, lists and scalars
    if not isinstance(raw, dict):
        raise ValueError("not a mapping at the top level")
    return _resolve(raw, raw)


def load_file(path: str) -> Dict[str, Any]:
    with open(path, "r", encoding="utf-8") as f:
        return load(f.read())


def dump(data: Dict[str, Any]) -> str:
    """HyperPyYAML text for nested dicts, Tagged dicts, lists and scalars (flow-style lists, 4-space indents)."""

    def scalar(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if v is None:
            return "null"
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(scalar(x) for x in v) + "]"
        if isinstance(v, str):
            return yaml.safe_dump(v, default_style=None).strip().splitlines()[0]
        return repr(v)

    lines = []

    def emit(d: Dict[str, Any], indent: int) -> None:
        for k, v in d.items():
            pad = " " * indent
            if isinstance(v, Tagged):
                lines.append(f"{pad}{k}: !{v.tag}")
                emit(dict(v), indent + 4)
            elif isinstance(v, dict):
                lines.append(f"{pad}{k}:")
                emit(v, indent + 4)
            else:
                lines.append(f"{pad}{k}: {scalar(v)}")

    emit(data, 0)
    return "\n".join(lines) + "\n"
