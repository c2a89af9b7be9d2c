"""Taxonomies: the labels a company classifies into, in YAML it can edit without touching code.

A taxonomy file looks like::

    task: intent
    labels:
      - name: delivery
        description: Where the parcel is, late or failed delivery, changing the delivery address or time.
        examples:
          en: ["My parcel has not arrived yet."]
          zh: ["快递怎么还没到？"]

The fallback label (`other` unless the file says `fallback: neutral`, say) is always valid: a classifier answers it
when nothing fits well enough. It may be listed with examples of its own (small talk, thanks), which then train it
like any other label.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from core.errors import InvalidInput
from core.yaml_errors import problems, read_yaml

OTHER = "other"
DEFAULTS_DIR = Path(__file__).parent / "taxonomies"
# task name -> default file, for the tasks the built-in insight kinds read (another task's file is `<task>.yaml`)
TASK_FILES = {
    "intent": "intents.yaml",
    "sentiment": "sentiment.yaml",
    "complaint_issue": "complaint_issues.yaml",
    "outcome": "outcomes.yaml",
    "loss_reason": "loss_reasons.yaml",
}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class Label(BaseModel):
    name: str
    description: str = Field(min_length=3)
    examples: dict[str, list[str]] = Field(default_factory=dict, description="Language code -> example texts.")

    @field_validator("name")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"label name '{value}' must be snake_case (a-z, 0-9, _), starting with a letter")
        return value

    @field_validator("examples")
    @classmethod
    def _non_empty_examples(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {lang: [e.strip() for e in texts if e and e.strip()] for lang, texts in value.items()}

    def texts(self) -> list[str]:
        """The description and every example: what a classifier with no training rows learns from."""
        return [self.description] + [e for texts in self.examples.values() for e in texts]


class Taxonomy(BaseModel):
    task: str
    labels: list[Label] = Field(min_length=1)
    fallback: str = Field(default=OTHER, description="The answer when no label is confident enough.")
    source: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _unique(self) -> Taxonomy:
        names = [label.name for label in self.labels]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate label names: {', '.join(dupes)}")
        if not _NAME.match(self.fallback):
            raise ValueError(f"fallback '{self.fallback}' must be snake_case")
        return self

    @property
    def names(self) -> list[str]:
        """Every valid answer, the fallback included (last when it is not listed)."""
        listed = [label.name for label in self.labels]
        return listed if self.fallback in listed else [*listed, self.fallback]

    @property
    def version(self) -> str:
        """Content hash: any edit (a label, a description, an example) gives a new version."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()[:12]

    def get(self, name: str) -> Label | None:
        return next((label for label in self.labels if label.name == name), None)

    def normalise(self, answer: str) -> str | None:
        """An answer as a label name, forgiving case, spaces and hyphens; None when it is not in the taxonomy."""
        key = re.sub(r"[\s\-/]+", "_", answer.strip().strip("\"'`.").lower())
        return key if key in self.names else None

    def training_rows(self) -> tuple[list[str], list[str]]:
        """(texts, labels) from descriptions and examples, for the zero-shot start."""
        texts: list[str] = []
        labels: list[str] = []
        for label in self.labels:
            for text in label.texts():
                texts.append(text)
                labels.append(label.name)
        return texts, labels


def parse_taxonomy(data: Any, source: str, text: str | None = None) -> Taxonomy:
    """A taxonomy from parsed YAML; with the file's `text`, each problem names its line."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: a taxonomy is a mapping with 'task' and 'labels'")
    try:
        taxonomy = Taxonomy.model_validate(data)
    except ValidationError as exc:
        found = problems(exc, text)
        raise InvalidInput(f"{source}: invalid taxonomy: {'; '.join(found)}", detail=found) from None
    taxonomy.source = source
    return taxonomy


def lookup_hint(taxonomy: Taxonomy) -> str:
    """Where a task's taxonomy is read from, and how to use one of your own."""
    filename = TASK_FILES.get(taxonomy.task, f"{taxonomy.task}.yaml")
    return (
        f"The {taxonomy.task} taxonomy was read from {taxonomy.source}; taxonomies are read from "
        f"insights.taxonomy_dir (CXLOOP_INSIGHTS__TAXONOMY_DIR) when it holds {filename}, else from the packaged "
        f"{DEFAULTS_DIR}: copy {filename} there and add the labels."
    )


def load_taxonomy(task: str, directory: Path | None = None) -> Taxonomy:
    """The taxonomy for `task`: from `directory` when it holds the task's file, else the shipped default.

    A task of a plug-in insight kind has no default: its file is `<task>.yaml` in `directory`.
    """
    if task not in TASK_FILES:
        if directory is not None and _NAME.match(task) and (directory / f"{task}.yaml").exists():
            return load_taxonomy_file(directory / f"{task}.yaml", task=task)
        raise InvalidInput(
            f"unknown task '{task}'; valid tasks: {', '.join(sorted(TASK_FILES))} "
            f"(or another with its `{task}.yaml` in insights.taxonomy_dir)"
        )
    filename = TASK_FILES[task]
    path = directory / filename if directory is not None and (directory / filename).exists() else None
    path = path or DEFAULTS_DIR / filename
    return load_taxonomy_file(path, task=task)


def load_taxonomy_file(path: Path, *, task: str | None = None) -> Taxonomy:
    data, text = read_yaml(path, "taxonomy")
    taxonomy = parse_taxonomy(data, str(path), text)
    if task is not None and taxonomy.task != task:
        raise InvalidInput(f"{path}: taxonomy is for task '{taxonomy.task}', expected '{task}'")
    return taxonomy


def taxonomy_from_labels(task: str, names: list[str]) -> Taxonomy:
    """A bare taxonomy built from label names (descriptions from the names), for data sets with their own labels."""
    labels = []
    for name in names:
        slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "label"
        slug = slug if slug[0].isalpha() else f"l_{slug}"
        labels.append(Label(name=slug, description=name.replace("_", " ")))
    return Taxonomy(task=task, labels=labels)
