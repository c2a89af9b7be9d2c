"""Taxonomies: the shipped defaults load, edits are validated, and a company's own files take over."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.errors import InvalidInput
from insights.classify.taxonomy import TASK_FILES, load_taxonomy, load_taxonomy_file, taxonomy_from_labels

INTENTS = [
    "order_status", "delivery", "installation", "defect", "return_refund", "billing", "product_question",
    "service_complaint", "cancellation", "praise", "sales", "other",
]  # fmt: skip


def test_defaults_load_with_descriptions_and_bilingual_examples() -> None:
    for task in TASK_FILES:
        taxonomy = load_taxonomy(task)
        assert taxonomy.task == task
        for label in taxonomy.labels:
            assert label.description
            if label.name != taxonomy.fallback:
                assert label.examples.get("en") and label.examples.get("zh"), (task, label.name)
    assert load_taxonomy("intent").names == INTENTS
    assert set(load_taxonomy("loss_reason").names) >= {
        "price", "competitor", "missing_feature", "timing_no_budget", "trust_service",
        "delivery_installation_terms", "no_decision",
    }  # fmt: skip
    assert load_taxonomy("sentiment").fallback == "neutral"


def test_fallback_is_always_a_valid_answer() -> None:
    taxonomy = taxonomy_from_labels("intent", ["card arrival", "Lost card"])
    assert taxonomy.names == ["card_arrival", "lost_card", "other"]
    assert taxonomy.normalise(" Lost-Card ") == "lost_card"
    assert taxonomy.normalise("OTHER") == "other"
    assert taxonomy.normalise("refund") is None


def _write(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"task": "intent", "labels": [{"name": "Bad Name", "description": "x y z"}]}, "snake_case"),
        ({"task": "intent", "labels": [{"name": "a", "description": "abc"}, {"name": "a", "description": "abc"}]},
         "duplicate"),
        ({"task": "intent", "labels": []}, "labels"),
        ({"task": "intent", "labels": [{"name": "a"}]}, "description"),
        (["not", "a", "mapping"], "mapping"),
    ],
)  # fmt: skip
def test_invalid_taxonomies_say_what_is_wrong(tmp_path: Path, data: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        load_taxonomy_file(_write(tmp_path / "intents.yaml", data))


def test_wrong_task_and_broken_yaml(tmp_path: Path) -> None:
    path = _write(tmp_path / "intents.yaml", {"task": "sentiment", "labels": [{"name": "a", "description": "abc"}]})
    with pytest.raises(InvalidInput, match="expected 'intent'"):
        load_taxonomy("intent", tmp_path)
    path.write_text("task: [unclosed", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not valid YAML"):
        load_taxonomy("intent", tmp_path)
    with pytest.raises(InvalidInput, match="valid tasks"):
        load_taxonomy("nonsense")


def test_an_unquoted_no_label_names_the_line_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(
        "task: answers\nlabels:\n  - name: yes_please\n    description: the customer agrees\n"
        "  - name: no\n    description: the customer refuses\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as err:
        load_taxonomy("answers", tmp_path)
    message = err.value.message
    assert str(path) in message and "line 5: labels.1.name" in message
    assert 'YAML read no as true/false: quote it, "no"' in message


def test_company_file_overrides_the_default_and_any_edit_changes_the_version(taxonomy_dir: Path) -> None:
    default = load_taxonomy("intent")
    data = yaml.safe_load((Path(default.source)).read_text(encoding="utf-8"))
    _write(taxonomy_dir / "intents.yaml", data)
    same = load_taxonomy("intent", taxonomy_dir)
    assert same.source.startswith(str(taxonomy_dir)) and same.version == default.version
    data["labels"][0]["examples"]["en"].append("Where is order 123?")
    _write(taxonomy_dir / "intents.yaml", data)
    assert load_taxonomy("intent", taxonomy_dir).version != default.version
    # tasks without a file of their own keep the default
    assert load_taxonomy("sentiment", taxonomy_dir).source == load_taxonomy("sentiment").source
