"""Safe conditions over answers: the `when` of questions and rules.

Conditions are Jinja2 expressions compiled once, at load, in a sandbox with strict undefined. Two
checks happen before anything runs, because Jinja alone would hide mistakes: the expression may only
use a small grammar (names, literals, comparisons, `in`, `and`/`or`/`not`, arithmetic, a few pure
filters) so there is no attribute, item or call access into Python objects; and every name must be
a known answer key, since `and`/`or` short-circuiting would otherwise let a typo sleep until the
one answers file that reaches it.
"""

from __future__ import annotations

import copy
import marshal
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import CodeType
from typing import Any, Generic, TypeVar

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import TemplateExpression
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


MAX_POWER_BITS = 10_000
"""The largest whole number `**` may build in a template (about 3,000 digits): `7 ** (10**9)`
would otherwise run the interpreter out of time and memory on one line."""
_BIGGEST = 1.7976931348623157e308
T = TypeVar("T")
P = TypeVar("P")


class FiniteCodeGenerator(CodeGenerator):
    """Jinja's code generator, refusing a number that is not finite.

    Jinja compiles an expression to Python source and writes a float constant as `str(value)`:
    `1e999` (or `'1e999'|float`, which its optimizer folds into a constant) becomes the bare name
    `inf`, which Python then looks up and fails on (`NameError: inf`) only when that branch runs,
    long after loading said the file was fine. Such a constant fails compilation instead, as a
    syntax error on its line.
    """

    def visit_Const(self, node: nodes.Const, frame: Frame) -> None:
        if not _finite(node.value):
            self.fail("holds a number that is not finite (inf or nan); numbers must be "
                      f"between {-_BIGGEST:.3g} and {_BIGGEST:.3g}", node.lineno)
        super().visit_Const(node, frame)


def _finite(value: Any) -> bool:
    """No inf or nan anywhere in a constant (a folded list or tuple holds its items)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list | tuple | set | frozenset):
        return all(_finite(item) for item in value)
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    return True


class ArithmeticSandbox(SandboxedEnvironment):
    """Jinja's sandbox with arithmetic kept to numbers and finite constants, for conditions and
    the record's templates alike.

    `'x' * 3000000000` or `rationale * 100000000` builds a string as big as the numbers say,
    `'%0999999999d' % 1` formats one and `7 ** (10**9)` computes one: gigabytes or hours from one
    line. These operators are intercepted (which also keeps Jinja from folding them at compile
    time) and refuse text and lists; `**` also refuses a result past MAX_POWER_BITS.
    """

    intercepted_binops = frozenset({"*", "%", "**"})
    code_generator_class = FiniteCodeGenerator

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if not (_is_number(left) and _is_number(right)):
            raise SecurityError(f"`{operator}` takes numbers, not {type(left).__name__} and "
                                f"{type(right).__name__}")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and (
                right > 0 and abs(left) > 1 and left.bit_length() * right > MAX_POWER_BITS):
            raise SecurityError(f"`**` would build a number of more than {MAX_POWER_BITS:,} bits")
        return super().call_binop(context, operator, left, right)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float)


_ENV = ArithmeticSandbox(undefined=StrictUndefined, autoescape=False)
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
    code: CodeType | None = field(default=None, repr=False, compare=False)
    """Jinja's compiled module for the expression, kept so `riskcli.cache` can store the
    condition and rebuild `_fn` from it without parsing and compiling it again."""

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as source, names, tree and marshalled code (only `riskcli.cache` pickles
        conditions, into its authenticated cache); the remembered results start empty."""
        if self.code is None:
            raise TypeError(f"condition `{self.source}` was built without its code")
        return (_restore, (self.source, self.names, self.tree, marshal.dumps(self.code)))

    _order: tuple[str, ...] = field(init=False, repr=False, compare=False)
    """`names` sorted once: the remembered results are keyed by the values in this order."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_order", tuple(sorted(self.names)))

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        """Absent answers (skipped questions) are seen as `none`, never as an error."""
        return _recall(self._order, self._seen, answers, self._run)

    def _run(self, context: dict[str, Any]) -> bool:
        try:
            return bool(self._fn(**context))
        except (TypeError, ValueError, ArithmeticError, UndefinedError, SecurityError) as exc:
            raise ConditionError(f"condition `{self.source}` failed: {exc}") from None


def _recall(order: tuple[str, ...], seen: dict[tuple[Any, ...], T],
            answers: Mapping[str, Any], compute: Callable[[dict[str, Any]], T]) -> T:
    """`compute` of the answers named in `order`, remembered in `seen` by their values.

    Keys are the values and then their types (1, 1.0 and True must never share a result); a
    list (a multiple choice) cannot be a key, so it goes the slower way of `_hashable`. Keyed
    this way, a condition costs about 0.55 us instead of 0.8."""
    if len(order) == 1:  # most conditions read one or two answers
        value = answers.get(order[0])
        values: tuple[Any, ...] = (value,)
        key: tuple[Any, ...] = (value, type(value))
    else:
        values = tuple(map(answers.get, order))
        key = (*values, *map(type, values))
    try:
        return seen[key]
    except KeyError:
        pass
    except TypeError:  # a list: tagged item by item, n entries, never equal to a 2n one
        key = tuple(map(_hashable, values))
        try:
            return seen[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key: computed without remembering
            return compute(dict(zip(order, values, strict=True)))
    result = compute(dict(zip(order, values, strict=True)))
    if len(seen) < MEMO_ENTRIES:
        seen[key] = result
    return result


class ConditionGroup(Generic[P]):
    """Conditions that read the same answers, each with something to give back when it holds,
    judged together: one remembered result per combination of those answers instead of one
    per condition. A pack's 35 rules read 16 sets of answers, so a file looks up 16 results,
    not 35 (19 -> 10 us a file)."""

    def __init__(self, items: Sequence[tuple[Condition, P]]):
        orders = {condition._order for condition, _ in items}
        if len(orders) != 1:
            raise ValueError("a condition group's conditions read the same answers")
        self.items = tuple(items)
        self._order = orders.pop()
        self._seen: dict[tuple[Any, ...], tuple[P, ...]] = {}
        self._seen_leniently: dict[tuple[Any, ...], tuple[P, ...]] = {}

    def holding(self, answers: Mapping[str, Any], *, lenient: bool = False) -> tuple[P, ...]:
        """What the conditions that hold give back, in their order. A condition that fails
        (ConditionError) fails the call, or with `lenient` does not hold."""
        if lenient:
            return _recall(self._order, self._seen_leniently, answers, self._leniently)
        return _recall(self._order, self._seen, answers, self._strictly)

    def _strictly(self, context: dict[str, Any]) -> tuple[P, ...]:
        return tuple(given for condition, given in self.items if condition.evaluate(context))

    def _leniently(self, context: dict[str, Any]) -> tuple[P, ...]:
        return tuple(given for condition, given in self.items if _holds(condition, context))


def group_by_answers(items: Iterable[tuple[Condition, P]]) -> list[ConditionGroup[P]]:
    """The items in groups of conditions that read the same answers, in order of first
    appearance."""
    groups: dict[tuple[str, ...], list[tuple[Condition, P]]] = {}
    for condition, given in items:
        groups.setdefault(condition._order, []).append((condition, given))
    return [ConditionGroup(members) for members in groups.values()]


def _holds(condition: Condition, answers: Mapping[str, Any]) -> bool:
    try:
        return condition.evaluate(answers)
    except ConditionError:
        return False


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
    _check_constants(tree, text)
    try:
        code = _compile(text)
    except TemplateSyntaxError as exc:  # a constant past a float that the check above missed
        raise ConditionError(f"condition `{text}` {exc.message}") from None
    return Condition(text, names, tree, _expression(code), code=code)


def _compile(text: str) -> CodeType:
    """What `Environment.compile_expression` does, keeping the code it compiles."""
    parser = Parser(_ENV, text, state="variable")
    expression = parser.parse_expression()
    expression.set_environment(_ENV)
    body = [nodes.Assign(nodes.Name("result", "store"), expression, lineno=1)]
    return _ENV.compile(nodes.Template(body, lineno=1))


def _expression(code: CodeType) -> Callable[..., Any]:
    template = _ENV.template_class.from_code(_ENV, code, _ENV.make_globals(None), None)
    return TemplateExpression(template, undefined_to_none=False)


def _restore(source: str, names: frozenset[str], tree: nodes.Expr, code: bytes) -> Condition:
    compiled = marshal.loads(code)
    return Condition(source, names, tree, _expression(compiled), code=compiled)


_COMPUTED = (nodes.Filter, nodes.BinExpr, nodes.UnaryExpr)


def _check_constants(tree: nodes.Expr, text: str) -> None:
    """Every number the condition holds, and every part of it that reads no answer, computed
    now: a literal past a float (`1e999`), a part that gives inf or nan (`'nan'|float`) or one
    that fails (`'1e999'|float|int`, `1 // 0`) would otherwise pass loading and fail every file
    that reaches it. What does read an answer is checked when it runs."""
    reads_answers = _nodes_reading_answers(tree)
    for node in _walk(tree):
        if isinstance(node, nodes.Const) and not _finite(node.value):
            raise ConditionError(f"condition `{text}` holds a number too large for a float, "
                                 f"which reads as {node.value}, not a finite number; numbers "
                                 f"must be between {-_BIGGEST:.3g} and {_BIGGEST:.3g}")
        if isinstance(node, _COMPUTED) and id(node) not in reads_answers:
            value = _constant_value(node, text)
            if not _finite(value):
                raise ConditionError(f"condition `{text}` computes {value} from constants; a "
                                     "condition's numbers must be finite")


def _nodes_reading_answers(tree: nodes.Node) -> set[int]:
    """The ids of every node with an answer name somewhere below it (or itself a name)."""
    reading: set[int] = set()
    for node in reversed(list(_walk(tree))):  # children before their parents
        if isinstance(node, nodes.Name) or any(
                id(child) in reading for child in node.iter_child_nodes()):
            reading.add(id(node))
    return reading


def _constant_value(node: nodes.Expr, text: str) -> Any:
    """A part of a condition that reads no answer, evaluated as scoring would evaluate it: the
    same sandbox, the same compiled code (of a copy of the part: compiling folds it in place)."""
    body = [nodes.Assign(nodes.Name("result", "store"), copy.deepcopy(node), lineno=1)]
    try:
        template = _ENV.from_string(nodes.Template(body, lineno=1))
        return TemplateExpression(template, False)()
    except TemplateSyntaxError as exc:
        raise ConditionError(f"condition `{text}` {exc.message}") from None
    except (TypeError, ValueError, ArithmeticError, UndefinedError, SecurityError) as exc:
        raise ConditionError(f"condition `{text}` cannot be computed: {exc}") from None


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
