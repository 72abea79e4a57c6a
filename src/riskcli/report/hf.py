"""Suggested Hugging Face gated-repo front matter when the recommended option hands out weights.

A model card's access form is part of the gate: it should ask exactly what the answers say
admission and terms require. The wording and fields are data (`report_templates/hf_gating.yaml`);
this module only picks the entries that match the answers.
"""

import os
from pathlib import Path
from typing import Any

from pydantic import field_validator

from riskcli.errors import TemplateError
from riskcli.markdown import markdown_text
from riskcli.results import ScoreResult
from riskcli.rulepack import Keys
from riskcli.strict import Strict, check_placeholders, validate_document
from riskcli.yamlio import dump_yaml, load_yaml

SPEC_FILE = "hf_gating.yaml"
PLACEHOLDERS = ("model_name", "organization")
"""Roles from the rule pack's `keys` that the spec's texts may name, e.g. {model_name}."""
GATED_KEYS = ("extra_gated_heading", "extra_gated_prompt", "extra_gated_fields",
              "extra_gated_button_content")
"""The front-matter keys riskcli writes, in this order: `riskcli card` owns them in a card."""


class GatingSpec(Strict):
    heading: str
    button: str
    intro: str
    prompt: dict[str, dict[str, str]]
    """Answer key -> answer value -> sentence added to extra_gated_prompt."""
    always_fields: dict[str, Any]
    fields: dict[str, dict[str, dict[str, Any]]]
    """Answer key -> answer value -> extra_gated_fields entries (label: type)."""

    @field_validator("heading", "button", "intro")
    @classmethod
    def _text_placeholders(cls, text: str) -> str:
        """Checked when the template folder loads, before anything is rendered or written."""
        check_placeholders([text], PLACEHOLDERS)
        return text

    @field_validator("prompt")
    @classmethod
    def _sentence_placeholders(cls, prompt: dict[str, dict[str, str]]) -> dict:
        check_placeholders([text for by_value in prompt.values() for text in by_value.values()],
                           PLACEHOLDERS)
        return prompt

    @field_validator("always_fields")
    @classmethod
    def _always_placeholders(cls, fields: dict[str, Any]) -> dict[str, Any]:
        """Labels are filled like the texts; a field's kind (`text`, or a select with its
        options) is printed as written. (A select's mapping once made these labels be read as
        answer values, and left them unchecked.)"""
        check_placeholders(list(fields), PLACEHOLDERS)
        return fields

    @field_validator("fields")
    @classmethod
    def _label_placeholders(cls, fields: dict[str, dict[str, dict[str, Any]]]) -> dict:
        check_placeholders([label for by_value in fields.values() for entry in by_value.values()
                            for label in entry], PLACEHOLDERS)
        return fields


def load_gating_spec(folder: Path, fallback: Path) -> GatingSpec:
    """From the template folder in use; a custom folder without the file uses the bundled one."""
    # Whatever is there is read (a folder or a broken link is a problem, not a silent fallback);
    # load_templates has already refused a link out of the folder.
    path = folder / SPEC_FILE if os.path.lexists(folder / SPEC_FILE) else fallback / SPEC_FILE
    loaded = load_yaml(path)
    return validate_document(GatingSpec, loaded.data, loaded.path, TemplateError,
                             "heading, button, intro, prompt, fields")


def gating_front_matter(result: ScoreResult, spec: GatingSpec, keys: Keys) -> dict[str, Any] | None:
    """The extra_gated_* keys, or None when the recommended option does not hand out the weights
    through a gate (its weights are hosted or public, or the answers cannot assess it)."""
    recommended = next((o for o in result.options if o.recommended), None)
    if recommended is None or recommended.weights != "downloaded" or not recommended.assessed:
        return None
    names = {role: str(result.answers.get(getattr(keys, role), "")) for role in PLACEHOLDERS}
    # The Hub renders extra_gated_prompt as Markdown (the other keys as plain text): the spec's
    # sentences are the template author's Markdown, the names filled in are answers, i.e. data.
    in_prompt = {role: markdown_text(name) for role, name in names.items()}
    sentences = [spec.intro] + [
        by_value.get(_key(result.answers.get(key)), "")
        for key, by_value in spec.prompt.items()
    ]
    fields = dict(spec.always_fields)
    for key, by_value in spec.fields.items():
        fields.update(by_value.get(_key(result.answers.get(key)), {}))
    return dict(zip(GATED_KEYS, (
        spec.heading.format(**names),
        " ".join(s.format(**in_prompt) for s in sentences if s).strip(),
        {label.format(**names): kind for label, kind in fields.items()},
        spec.button.format(**names),
    ), strict=True))


def front_matter_text(front_matter: dict[str, Any]) -> str:
    return f"---\n{dump_yaml(front_matter)}---\n"


def _key(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
