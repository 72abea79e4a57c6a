"""Evaluating a checked condition: its Jinja expression tree turned into nested Python closures.

Jinja's `compile_expression` generates Python source for each expression, compiles it, and on every
call builds a fresh template context to run it in. For the forty-odd short conditions of the bundled
questionnaire and rule pack that was a fifth of `riskcli score`'s start-up and a third of the time
to score one file. Conditions use only the small grammar `riskcli.conditions` checks first (names,
literals, comparisons, boolean and arithmetic operators, a few filters and tests), and each of those
nodes maps onto one closure doing exactly what Jinja's generated code does: the same Python
operators in the same order, the sandbox's operator hooks when it intercepts any, the environment's
own filter and test functions, and Jinja's plain `Undefined` for an `x if y` with no `else`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import nodes
from jinja2.runtime import Undefined
from jinja2.sandbox import SandboxedEnvironment

Evaluator = Callable[[Mapping[str, Any]], Any]
"""Takes the answers, returns the expression's value (not yet made a bool)."""

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow,
}
_UNARY: dict[str, Callable[[Any], Any]] = {"+": operator.pos, "-": operator.neg}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "gteq": operator.ge,
    "lt": operator.lt, "lteq": operator.le,
    "in": lambda left, right: left in right, "notin": lambda left, right: left not in right,
}
_NO_ELSE = ("the inline if-expression on line {line} evaluated to false and no else section was "
            "defined.")


def build_evaluator(node: nodes.Node, env: SandboxedEnvironment) -> Evaluator:
    """The closure for one checked expression tree; raises TypeError on a node it does not know."""
    builder = _BUILDERS.get(type(node))
    if builder is None:
        if isinstance(node, nodes.BinExpr):
            return _binary(node, env)
        if isinstance(node, nodes.UnaryExpr):
            return _unary(node, env)
        raise TypeError(f"conditions cannot evaluate {type(node).__name__} nodes")
    return builder(node, env)


def _name(node: nodes.Name, env: SandboxedEnvironment) -> Evaluator:
    name = node.name
    return lambda answers: answers.get(name)


def _const(node: nodes.Const, env: SandboxedEnvironment) -> Evaluator:
    value = node.value
    return lambda answers: value


def _list(node: nodes.List, env: SandboxedEnvironment) -> Evaluator:
    items = [build_evaluator(item, env) for item in node.items]
    return lambda answers: [item(answers) for item in items]


def _tuple(node: nodes.Tuple, env: SandboxedEnvironment) -> Evaluator:
    items = [build_evaluator(item, env) for item in node.items]
    return lambda answers: tuple(item(answers) for item in items)


def _binary(node: nodes.BinExpr, env: SandboxedEnvironment) -> Evaluator:
    op = node.operator
    left, right = build_evaluator(node.left, env), build_evaluator(node.right, env)
    if op in env.intercepted_binops:
        call_binop: Callable[..., Any] = env.call_binop
        return lambda answers: call_binop(None, op, left(answers), right(answers))
    if op == "and":
        return lambda answers: left(answers) and right(answers)
    if op == "or":
        return lambda answers: left(answers) or right(answers)
    function = _BINARY[op]
    return lambda answers: function(left(answers), right(answers))


def _unary(node: nodes.UnaryExpr, env: SandboxedEnvironment) -> Evaluator:
    op = node.operator
    operand = build_evaluator(node.node, env)
    # Jinja's code generator checks "not " (with its space) against the intercepted operators.
    if (op + " " if op == "not" else op) in env.intercepted_unops:
        call_unop: Callable[..., Any] = env.call_unop
        return lambda answers: call_unop(None, op, operand(answers))
    if op == "not":
        return lambda answers: not operand(answers)
    function = _UNARY[op]
    return lambda answers: function(operand(answers))


def _compare(node: nodes.Compare, env: SandboxedEnvironment) -> Evaluator:
    """`a < b <= c` as Python chains it: b evaluated once, stop at the first false comparison."""
    first = build_evaluator(node.expr, env)
    steps = [(_COMPARE[op.op], build_evaluator(op.expr, env)) for op in node.ops]

    def compare(answers: Mapping[str, Any]) -> Any:
        left = first(answers)
        result: Any = True
        for function, operand in steps:
            right = operand(answers)
            result = function(left, right)
            if not result:
                return result
            left = right
        return result

    return compare


def _cond_expr(node: nodes.CondExpr, env: SandboxedEnvironment) -> Evaluator:
    test, then = build_evaluator(node.test, env), build_evaluator(node.expr1, env)
    if node.expr2 is not None:
        otherwise = build_evaluator(node.expr2, env)
    else:
        hint = _NO_ELSE.format(line=node.lineno)

        def otherwise(answers: Mapping[str, Any]) -> Any:
            return Undefined(hint)

    return lambda answers: then(answers) if test(answers) else otherwise(answers)


def _filter(node: nodes.Filter, env: SandboxedEnvironment) -> Evaluator:
    return _call(env.filters[node.name], node, env)


def _test(node: nodes.Test, env: SandboxedEnvironment) -> Evaluator:
    return _call(env.tests[node.name], node, env)


def _call(function: Callable[..., Any], node: nodes.Filter | nodes.Test,
          env: SandboxedEnvironment) -> Evaluator:
    if getattr(function, "jinja_pass_arg", None) is not None:
        raise TypeError(f"{node.name} needs a template context, which conditions do not have")
    if node.node is None:
        raise TypeError("a filter block is not an expression")
    value = build_evaluator(node.node, env)
    args = [build_evaluator(arg, env) for arg in node.args]
    kwargs = [(keyword.key, build_evaluator(keyword.value, env)) for keyword in node.kwargs]
    dyn_args = build_evaluator(node.dyn_args, env) if node.dyn_args else None
    dyn_kwargs = build_evaluator(node.dyn_kwargs, env) if node.dyn_kwargs else None
    if not (args or kwargs or dyn_args or dyn_kwargs):
        return lambda answers: function(value(answers))

    def call(answers: Mapping[str, Any]) -> Any:
        positional = [value(answers), *(arg(answers) for arg in args)]
        named = {key: arg(answers) for key, arg in kwargs}
        if dyn_args is not None:
            positional.extend(dyn_args(answers))
        if dyn_kwargs is not None:
            named.update(dyn_kwargs(answers))
        return function(*positional, **named)

    return call


_BUILDERS: dict[type[nodes.Node], Callable[[Any, SandboxedEnvironment], Evaluator]] = {
    nodes.Name: _name, nodes.Const: _const, nodes.List: _list, nodes.Tuple: _tuple,
    nodes.Compare: _compare, nodes.CondExpr: _cond_expr, nodes.Filter: _filter,
    nodes.Test: _test,
}
