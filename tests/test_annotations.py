"""riskcli's pydantic models are declared with annotations that are objects, not strings.

With `from __future__ import annotations` every annotation is a string, and pydantic compiles
and evaluates each field's at import: about 250 of them, 3 ms of every `riskcli score`. Nothing
breaks when a module brings the import back, so this test is what notices (CONTRIBUTING.md,
start-up rule 10).
"""

import importlib
import pkgutil

from pydantic import BaseModel

import riskcli


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_every_model_field_is_annotated_with_an_object_not_a_string():
    for module in pkgutil.walk_packages(riskcli.__path__, "riskcli."):
        if not module.name.endswith("__main__"):  # running it would run the app
            importlib.import_module(module.name)
    models = [cls for cls in _subclasses(BaseModel) if cls.__module__.startswith("riskcli.")]
    assert len(models) > 40  # the walk reached the content, result and report models
    strings = sorted(f"{cls.__module__}.{cls.__qualname__}.{name}"
                     for cls in models
                     for name, annotation in vars(cls).get("__annotations__", {}).items()
                     if isinstance(annotation, str))
    assert strings == []
