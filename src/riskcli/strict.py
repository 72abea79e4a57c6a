"""Shared building blocks for the strict pydantic models of every YAML format riskcli reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

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


M = TypeVar("M", bound=BaseModel)


def validate_document(model: type[M], data: Any, name: str, error: type[RiskcliError],
                      expected: str) -> M:
    """A parsed YAML document as a strict model, or `error` listing every problem at once."""
    if not isinstance(data, Mapping):
        raise error(Problem(name, "", f"expected a mapping with {expected}"))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(problems_from_validation(exc, data, name)) from None


def problems_from_validation(
    exc: ValidationError, data: Any, file: str, name_item: str = "id"
) -> list[Problem]:
    """Turn pydantic's errors into Problems that name the item by its id, not its list index."""
    problems = []
    for err in exc.errors():
        loc = err["loc"]
        key, line = _describe_location(data, loc, name_item)
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "field required"
        problems.append(Problem(file, key, message, line))
    return problems


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
