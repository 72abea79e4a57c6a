"""Shared building blocks for the strict pydantic models of every YAML format riskcli reads."""

import datetime as dt
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, PrivateAttr, ValidationError

from riskcli.conditions import Condition
from riskcli.errors import Problem, RiskcliError
from riskcli.values import iso_date
from riskcli.yamlio import line_of


def _must_be_text(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"is {str(value).lower()}, not text; quote it")
    if isinstance(value, int | float):
        raise ValueError(f"is a number ({value!r}); quote it to make it text")
    return value


Text = Annotated[str, BeforeValidator(_must_be_text)]
"""A string that must have been written as one: YAML turns `1.0` into a float and `no` into False,
which is never what an id, version or choice value meant."""

Identifier = Annotated[str, BeforeValidator(_must_be_text)]


def _iso_date(value: Any) -> Any:
    day = iso_date(value)
    if day is None:
        raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}")
    return day


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
"""A date written as YYYY-MM-DD and nothing else. Pydantic's own date also takes Unix timestamps
and `2023-07-18T00:00:00`, which the answers' dates and the JSON Schema refuse: one rule for every
date a file holds, so `validate` and the schema agree."""


class Strict(BaseModel):
    """Unknown fields are errors, so a typo in a data file never silently does nothing.

    No number in a data file may be .inf or .nan: a bound of .nan makes every comparison false (so
    the bound silently vanishes), and .inf has no whole-number form for messages and the schema.

    Validators are built on first validation (`defer_build`), not at import: a run that takes
    the questionnaire and pack from `riskcli.cache` validates neither, and never pays for them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)


class Conditioned(Strict):
    """A piece of content with a `when`, holding its own compiled condition.

    The condition is set by the one validator that loads the document holding it (the
    questionnaire for a question, the pack for a rule, source or text), where the names it may
    read are known; None for content with no `when`.
    """

    _condition: Condition | None = PrivateAttr(None)

    @property
    def condition(self) -> Condition | None:
        """None only for content without a `when` (a question or source that always applies).

        Read from pydantic's private slot directly: `self._condition` goes through the model's
        `__getattr__` fallback, which cost a tenth of scoring a file, read once per rule."""
        return self.__pydantic_private__["_condition"]  # type: ignore[index]


M = TypeVar("M", bound=BaseModel)


class CrossCheckErrors(ValueError):
    """Every problem a whole-document check found, raised from a model validator.

    Pydantic lets a validator raise one error, but a document's cross-checks (conditions naming
    unknown answers, rules naming unknown factors ...) must all be reported at once, each with its
    own key and line: each item is (key shown to the user, path to the offending value, message).
    `problems_from_validation` unpacks them.
    """

    def __init__(self, items: list[tuple[str, tuple[Any, ...], str]]):
        self.items = items
        super().__init__("; ".join(f"{key}: {message}" for key, _, message in items))


def validate_document(model: type[M], data: Any, name: str, error: type[RiskcliError],
                      expected: str, context: dict[str, Any] | None = None) -> M:
    """A parsed YAML document as a strict model, or `error` listing every problem at once."""
    if not isinstance(data, Mapping):
        raise error(Problem(name, "", f"expected a mapping with {expected}", code="type"))
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise error(problems_from_validation(exc, data, name)) from None


def problems_from_validation(
    exc: ValidationError, data: Any, file: str, name_item: str = "id"
) -> list[Problem]:
    """Turn pydantic's errors into Problems that name the item by its id, not its list index,
    in riskcli's words (`expected a whole number, got "many"`), never pydantic's ("Input should
    be...", "Value error, ..."): this is the one place its messages are read."""
    problems = []
    for loc, errors in _by_place(exc.errors(), data):
        err = errors[0]
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, CrossCheckErrors):
            problems += [Problem(file, key, message, line_at(data, (*loc, *path)), code="reference")
                         for key, path, message in cause.items]
            continue
        key, line = _describe_location(data, loc, name_item)
        code = {"extra_forbidden": "unknown-key", "missing": "missing"}.get(err["type"], "type")
        problems.append(Problem(file, key, validation_message(errors), line, code=code))
    return problems


def _by_place(errors: list[Any], data: Any) -> list[tuple[tuple[Any, ...], list[Any]]]:
    """Pydantic's errors grouped by the place in the document they are about.

    A value that fits no member of a union (`headline: str | dict[str, str]`) gets one error per
    member, each located under the member's name (`headline.str`, `headline.dict[str,str]`),
    which is no key of the document. Those names are dropped; when one member got further into
    the value than the others (the value is a mapping, and one of its entries is wrong), only its
    errors are about what was meant; the others are said once, as one "expected A or B"."""
    places: dict[tuple[Any, ...], list[Any]] = {}
    for err in errors:
        loc, union_at = _document_location(err, data)
        places.setdefault(loc if union_at is None else loc[:union_at], []).append(
            {**err, "loc": loc, "_union": union_at})
    grouped: list[tuple[tuple[Any, ...], list[Any]]] = []
    for place, group in places.items():
        deeper = [e for e in group if e["_union"] is not None and len(e["loc"]) > e["_union"]]
        if deeper:
            grouped += [(e["loc"], [e]) for e in deeper]
        elif any(e["_union"] is not None for e in group):
            grouped.append((place, group))
        else:
            grouped += [(e["loc"], [e]) for e in group]
    return grouped


def _document_location(err: Any, data: Any) -> tuple[tuple[Any, ...], int | None]:
    """The error's location with the union members' names left out, and where the first one
    was (None: not in a union)."""
    loc, node, kept, union_at = err["loc"], data, [], None
    for index, step in enumerate(loc):
        is_key = isinstance(node, Mapping) and step in node
        is_item = isinstance(node, list) and isinstance(step, int)
        missing_key = index == len(loc) - 1 and err["type"] in ("missing", "extra_forbidden")
        if isinstance(step, str) and not is_key and not missing_key:
            union_at = len(kept) if union_at is None else union_at
            continue
        kept.append(step)
        node = _step(node, step) if (is_key or is_item) else None
    return tuple(kept), union_at


_EXPECTED = {
    "string_type": "text", "string_sub_type": "text", "int_type": "a whole number",
    "int_parsing": "a whole number", "int_from_float": "a whole number", "float_type": "a number",
    "float_parsing": "a number", "finite_number": "a finite number", "bool_type": "true or false",
    "bool_parsing": "true or false", "date_type": "a date as YYYY-MM-DD",
    "date_parsing": "a date as YYYY-MM-DD", "date_from_datetime_parsing": "a date as YYYY-MM-DD",
    "date_from_datetime_inexact": "a date as YYYY-MM-DD", "list_type": "a list",
    "tuple_type": "a list", "set_type": "a list", "dict_type": "a mapping",
    "model_type": "a mapping", "model_attributes_type": "a mapping",
    "dataclass_type": "a mapping", "none_required": "nothing (null)",
}


def validation_message(errors: list[Any]) -> str:
    """One message for pydantic's errors about one place (`ValidationError.errors()`): what
    was expected and what was found, in riskcli's words. Used for documents here, and for the
    command line's values, which typer also checks with pydantic."""
    err = errors[0]
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "field required"
    if kind in ("value_error", "assertion_error") and len(errors) == 1:
        return str(err.get("ctx", {}).get("error", "")) or _reworded(err["msg"])
    expected = list(dict.fromkeys(_expected(e) for e in errors))
    return f"expected {' or '.join(expected)}, got {_given(err.get('input'))}"


def _expected(err: Any) -> str:
    kind, ctx = err["type"], err.get("ctx", {})
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    bounds = {"greater_than": "greater than", "greater_than_equal": "of at least",
              "less_than": "less than", "less_than_equal": "of at most"}
    if kind in bounds:
        limit = next(iter(ctx.values()), "")
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"a number {bounds[kind]} {limit}"
    if kind == "string_too_short":
        return ("non-blank text" if ctx.get("min_length") == 1 else
                f"text of at least {ctx.get('min_length')} characters")
    if kind == "string_too_long":
        return f"text of at most {ctx.get('max_length'):,} characters"
    if kind == "string_pattern_mismatch":
        return f"text matching {ctx.get('pattern')}"
    if kind == "too_short":
        count = ctx.get("min_length")
        return f"at least {count} {'item' if count == 1 else 'items'}"
    if kind == "too_long":
        return f"at most {ctx.get('max_length')} items"
    if kind in ("literal_error", "enum"):
        return f"one of {ctx.get('expected')}"
    return _reworded(err["msg"])


def _reworded(message: str) -> str:
    """Pydantic's sentence for a kind of error not named above, without its own phrasing."""
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    message = message.removeprefix("Input should be ").removeprefix("Input ")
    return message[:1].lower() + message[1:]


def _given(value: Any) -> str:
    """The offending value as the user wrote it, short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list" if value else "an empty list"
    if isinstance(value, int) and value.bit_length() > 64:
        return f"a {value.bit_length():,}-bit integer"  # repr() refuses past 4,300 digits
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f'"{text}"'
    return str(value) if isinstance(value, int | float) else repr(value)


def line_at(data: Any, path: Sequence[Any]) -> int | None:
    """The line of the deepest key on `path` that the YAML loader marked."""
    node, line = data, None
    for step in path:
        line = line_of(node, step) or line
        node = _step(node, step)
    return line


def _describe_location(data: Any, loc: Sequence[Any], name_item: str) -> tuple[str, int | None]:
    """('sections', 0, 'questions', 3, 'type') -> 'question access_holders: type', with a line."""
    parts: list[str] = []
    node, line = data, None
    for step in loc:
        child = _step(node, step)
        if isinstance(step, int) and isinstance(child, Mapping) and name_item in child:
            kind = parts.pop().rstrip("s") if parts else "item"
            parts = [f"{kind} {child[name_item]}:"]  # ids are unique; the path above is noise
        elif isinstance(step, int):
            parts.append(f"[{step}]")
        else:
            parts.append(str(step))
        line = line_of(node, step) or line
        node = child
    return ".".join(parts).replace(".[", "[").replace(":.", ": ").rstrip(":"), line


def _step(node: Any, step: Any) -> Any:
    if isinstance(node, Mapping):
        return node.get(step)
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return node[step]
    return None


def check_placeholders(texts: Iterable[str], allowed: Sequence[str]) -> None:
    """Refuse, at load, any `{placeholder}` a text filled by `str.format` could not fill.

    Texts in packs and template data are filled with already-formatted values: an unknown name
    would crash after work was done, `{x.__class__}` would print interpreter internals, and a
    spec such as `{x:>999999999}` would pad to gigabytes. Only bare known names pass.
    """
    for text in texts:
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:  # a lone `{` or `}`
            raise ValueError(f"{exc} in {text[:60]!r}; write {{{{ and }}}} for literal "
                             "braces") from None
        for _, name, spec, conversion in parsed:
            if name is None:
                continue
            if name not in allowed:
                raise ValueError(f"unknown placeholder {{{name}}} (allowed: {', '.join(allowed)})")
            if spec or conversion:
                raise ValueError(f"placeholder {{{name}}} takes no format spec or conversion "
                                 f"(found {{{name}{'!' + conversion if conversion else ''}"
                                 f"{':' + spec if spec else ''}}})")
