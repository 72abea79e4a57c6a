"""Shared building blocks for the strict pydantic models of every YAML format riskcli reads."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, PrivateAttr, ValidationError

from riskcli.conditions import Condition
from riskcli.errors import Problem, RiskcliError
from riskcli.yamlio import line_of

_YAML_BOOL_WORDS = "yes/no/on/off/true/false"


def _must_be_text(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"is a YAML boolean (YAML reads {_YAML_BOOL_WORDS} as one); quote it")
    if isinstance(value, int | float):
        raise ValueError(f"is a number ({value!r}); quote it to make it text")
    return value


Text = Annotated[str, BeforeValidator(_must_be_text)]
"""A string that must have been written as one: YAML turns `1.0` into a float and `no` into False,
which is never what an id, version or choice value meant."""

Identifier = Annotated[str, BeforeValidator(_must_be_text)]


class Strict(BaseModel):
    """Unknown fields are errors, so a typo in a data file never silently does nothing.

    No number in a data file may be .inf or .nan: a bound of .nan makes every comparison false (so
    the bound silently vanishes), and .inf has no whole-number form for messages and the schema.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


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
    """Turn pydantic's errors into Problems that name the item by its id, not its list index."""
    problems = []
    for err in exc.errors():
        loc = err["loc"]
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, CrossCheckErrors):
            problems += [Problem(file, key, message, line_at(data, (*loc, *path)), code="reference")
                         for key, path, message in cause.items]
            continue
        key, line = _describe_location(data, loc, name_item)
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "field required"
        code = {"extra_forbidden": "unknown-key", "missing": "missing"}.get(err["type"], "type")
        problems.append(Problem(file, key, message, line, code=code))
    return problems


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
