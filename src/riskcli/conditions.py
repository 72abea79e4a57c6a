"""Safe conditions over answers: the `when` of questions and rules.

Conditions are Jinja2 expressions compiled once, at load, in a sandbox with strict undefined. Two
checks happen before anything runs, because Jinja alone would hide mistakes: the expression may only
use a small grammar (names, literals, comparisons, `in`, `and`/`or`/`not`, arithmetic, a few pure
filters) so there is no attribute, item or call access into Python objects; and every name must be
a known answer key, since `and`/`or` short-circuiting would otherwise let a typo sleep until the
one answers file that reaches it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.parser import Parser
from jinja2.sandbox import SandboxedEnvironment

from riskcli.errors import ConditionError

_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Name, nodes.Const, nodes.List, nodes.Tuple,
    nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not,
    nodes.Neg, nodes.Pos, nodes.Add, nodes.Sub, nodes.Mul, nodes.Div, nodes.FloorDiv, nodes.Mod,
    nodes.CondExpr, nodes.Filter, nodes.Test,
)
_ALLOWED_FILTERS = frozenset({"length", "lower", "upper", "abs", "int", "float", "round"})
_ALLOWED_TESTS = frozenset({"none", "number", "string", "in"})
_RESERVED_NAMES = frozenset({"self"})
"""Jinja binds these itself whatever the context says, so they can never mean an answer."""

MEMO_ENTRIES = 4096
"""Distinct answer combinations remembered per condition; past that, conditions just run."""
MAX_CONDITION_CHARS = 1_000
"""The longest shipped condition is 122 characters; a longer one is generated or hostile."""
MAX_CONDITION_DEPTH = 50
"""Nesting of the parsed expression (the shipped conditions reach 5). Parsing, checking and
evaluating all recurse, so a condition like `not not not ... x` is refused before any of them can
exhaust the stack."""


class _ConditionSandbox(SandboxedEnvironment):
    """Multiplication and remainder on numbers only.

    `'x' * 3000000000` or `rationale * 100000000` builds a string as big as the numbers say, and
    `'%0999999999d' % 1` formats one: gigabytes from one rule line. Conditions compare answers, so
    these two operators are intercepted and refuse text and lists.
    """

    intercepted_binops = frozenset({"*", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if not (_is_number(left) and _is_number(right)):
            raise SecurityError(f"`{operator}` takes numbers in conditions, not "
                                f"{type(left).__name__} and {type(right).__name__}")
        return super().call_binop(context, operator, left, right)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float)


_ENV = _ConditionSandbox(undefined=StrictUndefined, autoescape=False)
_ENV.globals.clear()


@dataclass(frozen=True)
class Condition:
    """A compiled condition; evaluation is a pure function of the answers it names."""

    source: str
    names: frozenset[str]
    tree: nodes.Expr = field(repr=False, compare=False)
    _fn: Callable[..., Any] = field(repr=False, compare=False)
    _seen: dict[tuple[Any, ...], bool] = field(default_factory=dict, repr=False, compare=False)
    """Results by the values of `names`: a condition reads nothing else, so a folder of answers
    files that share most answers (a team's models, variants of one) runs Jinja once per distinct
    combination instead of once per file."""

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        """Absent answers (skipped questions) are seen as `none`, never as an error."""
        context = {name: answers.get(name) for name in self.names}
        key = tuple((name, _hashable(value)) for name, value in sorted(context.items()))
        try:
            return self._seen[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key: evaluate without remembering
            return self._run(context)
        result = self._run(context)
        if len(self._seen) < MEMO_ENTRIES:
            self._seen[key] = result
        return result

    def _run(self, context: dict[str, Any]) -> bool:
        try:
            return bool(self._fn(**context))
        except (TypeError, ValueError, ArithmeticError, UndefinedError, SecurityError) as exc:
            raise ConditionError(f"condition `{self.source}` failed: {exc}") from None


def _hashable(value: Any) -> Any:
    """Lists (multiple choices) as tuples, tagged with their type: a list and a tuple, or 1 and
    True, must never share a remembered result."""
    if isinstance(value, list):
        return (list, tuple(_hashable(item) for item in value))
    return (type(value), value)


def compile_condition(source: str | bool, known: Iterable[str]) -> Condition:
    """Compile and statically check a condition; `known` is every answer key it may name."""
    text = ("true" if source else "false") if isinstance(source, bool) else str(source).strip()
    if not text:
        raise ConditionError("condition is empty")
    if len(text) > MAX_CONDITION_CHARS:
        raise ConditionError(f"condition `{text[:40]}...` is {len(text):,} characters long; the "
                             f"limit is {MAX_CONDITION_CHARS:,}")
    tree = _parse(text)
    if _depth(tree) > MAX_CONDITION_DEPTH:
        raise _too_deep(text)
    _check_grammar(tree, text)
    # Names are read off the tree itself: Jinja's own analysis treats `self` as declared, which
    # would let it past the unknown-name check and evaluate as an always-true template object.
    names = frozenset(node.name for node in _walk(tree) if isinstance(node, nodes.Name))
    unknown = sorted(names - set(known))
    if unknown:
        listed = ", ".join(unknown)
        raise ConditionError(f"condition `{text}` names unknown answer key(s): {listed}")
    fn = _ENV.compile_expression(text, undefined_to_none=False)
    return Condition(text, names, tree, fn)


def literal_comparisons(condition: Condition) -> list[tuple[str, str]]:
    """(answer key, string literal) pairs the condition compares, as `key == 'x'` or `'x' in key`.

    Lets a loader that knows the questionnaire reject a misspelt choice value, which would otherwise
    make a rule silently never fire.
    """
    pairs: list[tuple[str, str]] = []
    for compare in _walk(condition.tree):
        if not isinstance(compare, nodes.Compare):
            continue
        operands = [compare.expr] + [op.expr for op in compare.ops]
        names = [o.name for o in operands if isinstance(o, nodes.Name)]
        literals = [v for o in operands for v in _string_literals(o)]
        pairs.extend((name, literal) for name in names for literal in literals)
    return pairs


def _string_literals(node: nodes.Node) -> list[str]:
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, nodes.List | nodes.Tuple):
        return [v for item in node.items for v in _string_literals(item)]
    return []


def _parse(text: str) -> nodes.Expr:
    try:
        parser = Parser(_ENV, text, state="variable")
        tree = parser.parse_expression()
        if not parser.stream.eos:
            raise ConditionError(f"condition `{text}` has trailing text")
    except TemplateSyntaxError as exc:
        raise ConditionError(
            f"condition `{text}` is not a valid expression: {exc.message}"
        ) from None
    except RecursionError:
        raise _too_deep(text) from None
    except ValueError as exc:  # a number literal Python refuses, e.g. past 4,300 digits
        raise ConditionError(f"condition `{text}` is not a valid expression: {exc}") from None
    return tree


def _is_sequence_literal(node: nodes.Node) -> bool:
    return isinstance(node, nodes.List | nodes.Tuple) or (
        isinstance(node, nodes.Const) and isinstance(node.value, str))


def _too_deep(text: str) -> ConditionError:
    return ConditionError(f"condition `{text}` nests more than {MAX_CONDITION_DEPTH} levels deep")


def _check_grammar(tree: nodes.Node, text: str) -> None:
    for node in _walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ConditionError(
                f"condition `{text}` uses {type(node).__name__.lower()}, which conditions do not "
                "allow (only answer names, literals, comparisons, in, and/or/not, arithmetic)"
            )
        if isinstance(node, nodes.Mul | nodes.Mod) and (
            _is_sequence_literal(node.left) or _is_sequence_literal(node.right)
        ):
            raise ConditionError(f"condition `{text}` uses `{node.operator}` on text or a list; "
                                 "conditions multiply and take remainders of numbers only")
        if isinstance(node, nodes.Filter) and node.name not in _ALLOWED_FILTERS:
            raise ConditionError(f"condition `{text}` uses filter `{node.name}`, not allowed")
        if isinstance(node, nodes.Test) and node.name not in _ALLOWED_TESTS:
            raise ConditionError(f"condition `{text}` uses test `{node.name}`, not allowed")
        if isinstance(node, nodes.Name) and (
            node.name.startswith("_") or node.name in _RESERVED_NAMES or node.ctx != "load"
        ):
            raise ConditionError(f"condition `{text}` uses name `{node.name}`, not allowed")


def _walk(node: nodes.Node):
    """Every node, parents before children, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(current.iter_child_nodes())))


def _depth(tree: nodes.Node) -> int:
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return deepest
