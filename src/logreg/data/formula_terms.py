"""Which formula terms may be evaluated: the guard before formulaic's ``eval``.

formulaic evaluates each term that is not a plain column (``np.log(x)``,
``C(g)``, ``I(x ** 2)``) as a Python expression. A formula typed by the user
runs with the user's rights anyway, but a formula read from a model file must
never run code, so every term is parsed and checked first, at fit and after
loading: only columns, numbers, strings, operators, formulaic's transforms and
contrasts (``contr.<name>``), a few safe builtins and NumPy's ufuncs may
appear; no other attribute, no subscript, lambda or comprehension, no name
starting with ``_``, and no operator between two constants (``10 ** 10 ** 9``
would never end).
"""

from __future__ import annotations

import ast
from typing import Any

import numpy as np

__all__ = ["check_term", "python_terms"]

#: Builtins a term may call besides formulaic's transforms.
_SAFE_BUILTINS = frozenset({"abs", "round", "min", "max", "pow"})
#: NumPy functions a term may call besides the ufuncs (``np.log``, ``np.sqrt``).
_SAFE_NUMPY = frozenset({"clip", "where", "round"})
#: Expression nodes a term may contain; calls and names are checked further.
_ALLOWED_NODES = (
    ast.Expression,
    ast.Call,
    ast.keyword,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Attribute,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.operator,
    ast.unaryop,
    ast.boolop,
    ast.cmpop,
)


def _allowed_calls() -> tuple[frozenset[str], frozenset[str]]:
    """Names a term may call, and the ``contr.<name>`` contrasts."""
    from formulaic.transforms import TRANSFORMS
    from formulaic.transforms.contrasts import ContrastsRegistry

    transforms = frozenset(name for name in TRANSFORMS if name not in ("np", "contr"))
    contrasts = frozenset(
        name for name in vars(ContrastsRegistry) if not name.startswith("_")
    )
    return transforms | _SAFE_BUILTINS, contrasts


def _is_numpy_function(name: str) -> bool:
    return not name.startswith("_") and (
        isinstance(getattr(np, name, None), np.ufunc) or name in _SAFE_NUMPY
    )


def check_term(expression: str) -> None:
    """Raise ``ValueError`` unless the Python term ``expression`` is safe to evaluate.

    Parameters
    ----------
    expression : str
        A formula factor evaluated as Python (``np.log(x)``, ``C(g)``,
        ``I(x ** 2)``); column names in backticks are allowed.
    """
    from formulaic.utils.code import sanitize_variable_names

    aliases: dict[str, str] = {}
    try:
        tree = ast.parse(sanitize_variable_names(expression, {}, aliases), mode="eval")
    except SyntaxError:
        raise ValueError(f"formula term {expression!r} is not valid syntax") from None
    callables, contrasts = _allowed_calls()

    def refuse(why: str) -> None:
        raise ValueError(
            f"formula term {expression!r}: {why}. Terms may use columns, numbers, "
            "strings, operators, formulaic's transforms (C, I, center, scale, "
            "bs, poly, ...), contr.<name> and NumPy ufuncs such as np.log."
        )

    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            refuse(f"{type(node).__name__} expressions are not allowed")
        if isinstance(node, ast.Name):
            if node.id.startswith("_") and node.id not in aliases:
                refuse(f"the name {node.id!r} is not allowed")
        elif isinstance(node, ast.Attribute):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            allowed = (owner == "np" and _is_numpy_function(node.attr)) or (
                owner == "contr" and node.attr in contrasts
            )
            if not allowed:
                refuse(f"the attribute {ast.unparse(node)!r} is not allowed")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id not in callables:
                refuse(f"{func.id}() is not a known transform")
            if not isinstance(func, ast.Name | ast.Attribute):
                refuse("only named functions may be called")
        elif isinstance(node, ast.BinOp) and all(
            isinstance(side, ast.Constant) for side in (node.left, node.right)
        ):
            # 10 ** 10 ** 9 would run for ever: constants are written out.
            refuse(f"write the value of {ast.unparse(node)!r} instead")


def python_terms(formula: Any) -> list[str]:
    """The factors of ``formula``'s terms that formulaic evaluates as Python."""
    from formulaic.parser.types import Factor

    return [
        factor.expr
        for term in formula
        for factor in term.factors
        if factor.eval_method is Factor.EvalMethod.PYTHON
    ]
