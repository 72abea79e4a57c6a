"""Rewriting an answers file: the answers change, every other line stays as it was written.

Teams annotate answers files (sources, `# estimate` marks, the guidance comments `init` writes, the
`yaml-language-server` header) and `assess` rewrites the file after every answer, so a rewrite
that re-emitted the data would delete all of that. ruamel.yaml's round-trip mode keeps comments,
key order, quoting, flow style and folded text; a comment-preserving YAML emitter is exactly what
this project must not write by hand.

ruamel.yaml reads nothing on its own authority here. The text it edits is first parsed by
`yamlio` (size limit, depth, duplicate keys, alias expansion), and the text it produces is read back
by `yamlio` and must say exactly the answers intended, or nothing is written. ruamel.yaml quotes
text that YAML 1.2 would read as something else; text that YAML 1.1 (PyYAML's `safe_load`, which
teams' own scripts use) would read otherwise (`yes`, `1_000`, `1:20`) is quoted too.

ruamel.yaml is imported only when a file is written, never on the score path.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from collections.abc import Iterator, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

import yaml

from riskcli.errors import OutputFileError, Problem, RiskcliError
from riskcli.questionnaire import Questionnaire
from riskcli.values import AnswerValueError, Range, coerce, to_plain
from riskcli.walk import undecided
from riskcli.yamlio import dump_yaml, parse_yaml

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap

_BOM = "\ufeff"
_WIDE = 1 << 30
"""Line width for the emitter: never re-fold a long line someone wrote on one line."""


def answers_text(questionnaire: Questionnaire, values: Mapping[str, Any],
                 previous: bytes | None = None, name: str = "<answers>") -> bytes:
    """The answers file holding `values` (answers to the questionnaire's questions, checked or
    as a file writes them): `previous` (the file as it is now) with only its answers changed, or
    a new file when `previous` is None. Raises OutputFileError, and writes nothing, when the
    result would not read back as exactly these answers.

    An answer in `previous` whose question cannot be decided yet (its condition reads an answer
    not given) is left as it is; one to a question that does not apply, or that was left
    unanswered, is removed (its key kept blank when comments hang on it, so none goes with it).
    """
    values = {key: coerce(questionnaire.by_id[key], value) for key, value in values.items()}
    if previous is None:
        header = {"questionnaire": {"id": questionnaire.id, "version": questionnaire.version}}
        previous = (dump_yaml(header) + "answers:\n").encode("utf-8")
    before = parse_yaml(previous, name)  # riskcli's own safe loader and limits, first
    text = previous.decode("utf-8-sig")
    crlf = "\r\n" in text
    text = text.replace("\r\n", "\n") if crlf else text
    bom = _BOM if previous.startswith(_BOM.encode("utf-8")) else ""
    editor = _yaml()
    doc = editor.load(text)
    _match_indentation(editor, doc)
    editor.explicit_start = text.lstrip().startswith("---") or None
    answers = doc.get("answers")
    if not isinstance(answers, Mapping):
        answers = _block_map()
        doc["answers"] = answers
    elif not answers:
        answers.fa.set_block_style()
    old_answers = before.get("answers") or {}
    _update(answers, questionnaire, values, old_answers)
    out = io.StringIO()
    editor.dump(doc, out)
    written = out.getvalue()
    if crlf:
        written = written.replace("\n", "\r\n")
    result = (bom + written).encode("utf-8")
    _check_reads_back(result, before, questionnaire, values, name)
    return result


def _yaml() -> Any:
    from ruamel.yaml import YAML

    editor = YAML(typ="rt")
    editor.preserve_quotes = True
    editor.width = _WIDE
    return editor


def _block_map() -> CommentedMap:
    from ruamel.yaml.comments import CommentedMap

    mapping = CommentedMap()
    mapping.fa.set_block_style()
    return mapping


def _match_indentation(editor: Any, doc: Any) -> None:
    """ruamel.yaml indents the whole document one way: take the way this file is indented, from
    where its keys and its first block list start (a file written with 4 spaces stays so)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    mapping, offset = 2, 0
    nested = [v for v in doc.values() if isinstance(v, CommentedMap) and v and _block(v)]
    if nested:
        mapping = max(1, nested[0].lc.col - doc.lc.col)
    for parent in _block_maps(doc):
        seq = next((v for v in parent.values()
                    if isinstance(v, CommentedSeq) and v and _block(v)), None)
        if seq is not None:
            offset = max(0, seq.lc.col - parent.lc.col)
            break
    editor.indent(mapping=mapping, sequence=offset + 2, offset=offset)


def _block(node: Any) -> bool:
    return not node.fa.flow_style()


def _block_maps(node: Any) -> Iterator[Any]:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap) and _block(node):
        yield node
    if isinstance(node, CommentedMap | CommentedSeq):
        for child in node.values() if isinstance(node, CommentedMap) else node:
            yield from _block_maps(child)


def _update(answers: CommentedMap, questionnaire: Questionnaire, values: Mapping[str, Any],
            old: Mapping[str, Any]) -> None:
    waiting = undecided(questionnaire, values)
    for question in questionnaire.questions:
        key = question.id
        if key in values:
            if not _same(question, old.get(key), values[key]):
                _set(answers, questionnaire, key, values[key])
        elif old.get(key) is not None and key not in waiting:
            _remove(answers, key)


def _same(question: Any, written: Any, value: Any) -> bool:
    """Whether the file already says `value` (`234` for 234.0, `{low: 1000, ...}` for a Range):
    then its text is left exactly as written."""
    if written is None:
        return False
    try:
        return bool(coerce(question, written) == value)
    except AnswerValueError:
        return False


def _set(answers: CommentedMap, questionnaire: Questionnaire, key: str, value: Any) -> None:
    from ruamel.yaml.comments import CommentedMap

    current = answers.get(key)
    if isinstance(value, Range) and isinstance(current, CommentedMap) and set(current) == {
            "low", "high"}:
        # In place: the estimate keeps its style and any comment written inside it.
        plain = to_plain(value)
        current["low"], current["high"] = plain["low"], plain["high"]
        return
    node = _node(value)
    if key in answers:
        _rescue_comments(answers, key)
        answers[key] = node
        _keep_clear_of_comment(answers, key)
        return
    order = {q.id: index for index, q in enumerate(questionnaire.questions)}
    position = next((i for i, k in enumerate(answers) if order.get(k, -1) > order[key]),
                    len(answers))
    answers.insert(position, key, node)
    if position > 0:
        _hand_over_comments(answers, list(answers)[position - 1], key)


def _keep_clear_of_comment(answers: CommentedMap, key: str) -> None:
    """A longer value would push its line's comment to one space after it; keep two, as
    yamllint and most people write them."""
    slots = answers.ca.items.get(key)
    token = slots[2] if slots else None
    if token is None or token.value.startswith("\n") or not _block(answers):
        return
    out = io.StringIO()
    _yaml().dump({key: answers[key]}, out)
    end = answers.lc.col + len(out.getvalue().split("\n", 1)[0])
    if token.start_mark.column < end + 2:
        token.start_mark.column = end + 2


def _remove(answers: CommentedMap, key: str) -> None:
    """Delete the key when nothing hangs on it; otherwise leave it blank (`key:`), which every
    riskcli command reads as unanswered, so its comments (and the next question's) stay."""
    if key not in answers:
        return
    if key in answers.ca.items or _comment_tokens(answers[key]):
        _rescue_comments(answers, key)
        answers[key] = None
    else:
        del answers[key]


def _node(value: Any) -> Any:
    """A new value as it reads best in a file: lists and estimates on one line, text quoted
    where YAML 1.1 would read it as something else (dates too, as PyYAML users expect text)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    value = to_plain(value) if isinstance(value, dt.date) else value
    if isinstance(value, Range):
        node = CommentedMap(to_plain(value))
        node.fa.set_flow_style()
        return node
    if isinstance(value, list):
        seq = CommentedSeq(value)
        seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and _yaml11_tag(value) != "tag:yaml.org,2002:str":
        return SingleQuotedScalarString(value)
    return value


@cache
def _resolver() -> yaml.resolver.Resolver:
    return yaml.resolver.Resolver()


def _yaml11_tag(text: str) -> str:
    """What riskcli's YAML 1.1 loader would read `text` as, written plain."""
    return _resolver().resolve(yaml.ScalarNode, text, (True, False))


def _comment_tokens(node: Any) -> list[Any]:
    """Every comment held inside a list or mapping (an item's note, the lines after it)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if not isinstance(node, CommentedMap | CommentedSeq):
        return []
    found = _comment_tokens_of([node.ca.comment, *node.ca.items.values(), node.ca.end])
    children = node.values() if isinstance(node, CommentedMap) else node
    for child in children:
        found += _comment_tokens(child)
    return sorted(found, key=lambda token: token.start_mark.line)


def _comment_tokens_of(slots: Any) -> list[Any]:
    """The comment tokens in ruamel.yaml's nested comment slots (lists of tokens, lists, None)."""
    from ruamel.yaml.tokens import CommentToken

    if isinstance(slots, CommentToken):
        return [slots]
    if isinstance(slots, list):
        return [token for slot in slots for token in _comment_tokens_of(slot)]
    return []


def _rescue_comments(answers: CommentedMap, key: str) -> None:
    """A list or mapping being replaced takes the comments inside it along; they move below the
    key's new value, as full lines, instead of vanishing with the old value."""
    lines: list[str] = []
    own = {id(token) for token in _comment_tokens_of(answers.ca.items.get(key))}
    for token in _comment_tokens(answers.get(key)):
        if id(token) in own:  # a flow value's line comment is also the key's: it stays there
            continue
        for piece in token.value.split("\n"):
            if piece.strip().startswith("#"):
                lines.append(piece.strip())
    if not lines:
        return
    indent = " " * answers.lc.col if _block(answers) else ""
    moved = "".join(f"{indent}{line}\n" for line in lines)
    _append_after(answers, key, moved)


def _append_after(answers: CommentedMap, key: str, full_lines: str) -> None:
    """Add whole comment lines after `key`'s value, after whatever comment it already has."""
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    slots = answers.ca.items.setdefault(key, [None, None, None, None])
    token = slots[2]
    if token is None:
        slots[2] = CommentToken("\n" + full_lines, CommentMark(0), None)
    else:
        ending = "" if token.value.endswith("\n") else "\n"
        token.value = token.value + ending + full_lines


def _hand_over_comments(answers: CommentedMap, previous: str, key: str) -> None:
    """A key inserted after `previous` takes the comment lines that followed `previous` on their
    own lines: they were written above the next question, which now comes after `key`."""
    slots = answers.ca.items.get(previous)
    token = slots[2] if slots else None
    if token is None or "\n" not in token.value.rstrip("\n"):
        return
    own, rest = token.value.split("\n", 1)
    if own:
        token.value = own + "\n"
    else:
        slots[2] = None
    moved = copy.copy(token)
    moved.value = "\n" + rest
    answers.ca.items.setdefault(key, [None, None, None, None])[2] = moved


def _check_reads_back(result: bytes, before: Any, questionnaire: Questionnaire,
                      values: Mapping[str, Any], name: str) -> None:
    """The rewritten file, read as every riskcli command reads it, must hold exactly `values`,
    the answers left as they were, and everything else of the file unchanged."""
    try:
        after = parse_yaml(result, name)
    except RiskcliError:  # e.g. a merge key ruamel.yaml writes back beside the key it sets
        raise _unwritable(name, "answers") from None
    answers = after.get("answers") or {}
    old = before.get("answers") or {}
    for key in set(answers) | set(old) | set(values):
        question = questionnaire.by_id.get(key)
        got = answers.get(key)
        if key in values:
            ok = question is not None and got is not None and _same(question, got, values[key])
        else:
            ok = got is None or got == old.get(key)
        if not ok:
            raise _unwritable(name, key)
    for key in set(after) | set(before):
        if key != "answers" and after.get(key) != before.get(key):
            raise _unwritable(name, key)


def _unwritable(name: str, key: Any) -> OutputFileError:
    return OutputFileError(Problem(
        name, str(key), "cannot be rewritten keeping the file's other lines as written (an "
        "unusual YAML construct here); the file is unchanged; answer in a new file with -o"))
