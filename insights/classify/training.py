"""Training a head from a labelled CSV, saving it with its taxonomy version, and loading it back."""

from __future__ import annotations

import csv
import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from core.errors import InvalidInput, ModelUnavailable
from core.ml.base import Embedder
from insights.classify.classifiers import HeadClassifier, fit_head_classifier
from insights.classify.taxonomy import Taxonomy

log = logging.getLogger(__name__)
FORMAT = 1


class TrainReport(BaseModel):
    task: str
    path: str
    rows: int
    by_label: dict[str, int]
    taxonomy_version: str
    embedder: str
    validation_rows: int
    validation_accuracy: float | None
    threshold: float
    version: str


def read_labelled_csv(
    path: Path, taxonomy: Taxonomy, *, text_column: str = "text", label_column: str = "label"
) -> tuple[list[str], list[str]]:
    """(texts, labels) from a CSV; every label must be in the taxonomy (case, spaces and hyphens forgiven)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in (text_column, label_column) if c not in header]
            if missing:
                raise InvalidInput(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(header)}")
            rows = [(r[text_column] or "", r[label_column] or "") for r in reader]
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: not UTF-8 text") from None
    texts: list[str] = []
    labels: list[str] = []
    unknown: Counter[str] = Counter()
    for text, raw in rows:
        if not text.strip():
            continue
        label = taxonomy.normalise(raw)
        if label is None:
            unknown[raw] += 1
            continue
        texts.append(text.strip())
        labels.append(label)
    if unknown:
        shown = ", ".join(f"'{k}' ({n})" for k, n in unknown.most_common(10))
        raise InvalidInput(
            f"{path}: labels not in the {taxonomy.task} taxonomy: {shown}; valid: {', '.join(taxonomy.names)}",
            detail=dict(unknown),
        )
    if not texts:
        raise InvalidInput(f"{path}: no labelled rows")
    return texts, labels


def head_path(directory: Path, task: str) -> Path:
    return directory / f"{task}.joblib"


def train_and_save(
    taxonomy: Taxonomy,
    texts: list[str],
    labels: list[str],
    embedder: Embedder | None,
    directory: Path,
    *,
    source: str = "",
    min_precision: float = 0.85,
    provenance: str = "user",
) -> TrainReport:
    """Fit and save the task's head; `provenance` is `user` (your labels, which always win) or `llm` (distilled)."""
    import joblib

    classifier = fit_head_classifier(taxonomy, texts, labels, embedder, min_precision=min_precision)
    tuning = classifier.head.tuning
    directory.mkdir(parents=True, exist_ok=True)
    payload: dict[str, Any] = {
        "format": FORMAT,
        "task": taxonomy.task,
        "taxonomy_version": taxonomy.version,
        "labels": sorted(taxonomy.names),
        "embedder": embedder.name if embedder is not None else None,
        "version": classifier.version,
        "head": classifier.head,
        "trained_at": datetime.now(UTC).isoformat(),
        "rows": len(texts),
        "source": source,
        "provenance": provenance,
    }
    target = head_path(directory, taxonomy.task)
    tmp = target.with_suffix(".tmp")
    joblib.dump(payload, tmp)
    tmp.replace(target)  # a reader never sees half a file
    return TrainReport(
        task=taxonomy.task,
        path=str(target),
        rows=len(texts),
        by_label=dict(Counter(labels)),
        taxonomy_version=taxonomy.version,
        embedder=payload["embedder"] or "none",
        validation_rows=tuning.validation_rows,
        validation_accuracy=tuning.validation_accuracy,
        threshold=tuning.threshold,
        version=classifier.version,
    )


def load_trained(
    directory: Path, taxonomy: Taxonomy, embedder: Embedder | None, *, threshold: float | None = None
) -> HeadClassifier | None:
    """The saved head for this task, or None when there is none or it no longer fits the taxonomy or embedder."""
    path = head_path(directory, taxonomy.task)
    if not path.exists():
        return None
    import joblib

    try:
        payload = joblib.load(path)
    except Exception as exc:  # a corrupt or foreign file must not stop classification
        raise ModelUnavailable(f"cannot load trained head {path}: {exc.__class__.__name__}") from exc
    if payload.get("format") != FORMAT or payload.get("labels") != sorted(taxonomy.names):
        log.warning("%s was trained for other %s labels: using the zero-shot head; retrain it", path, taxonomy.task)
        return None
    wanted = embedder.name if embedder is not None else None
    if payload.get("embedder") != wanted:
        log.warning("%s was trained with embedder %s, not %s: using zero-shot", path, payload.get("embedder"), wanted)
        return None
    if payload.get("taxonomy_version") != taxonomy.version:
        log.warning("the %s taxonomy changed since %s was trained; retrain to learn the edits", taxonomy.task, path)
    version = str(payload["version"]).split(":")[2]  # mode:taxonomy:data[:threshold]
    distilled = payload.get("provenance") == "llm"
    return HeadClassifier(
        taxonomy,
        payload["head"],
        embedder,
        trained=True,
        data_version=version,
        threshold=threshold,
        distilled=distilled,
    )


def head_provenance(directory: Path, task: str) -> str | None:
    """`user`, `llm`, or None when the task has no saved head."""
    path = head_path(directory, task)
    if not path.exists():
        return None
    import joblib

    try:
        return str(joblib.load(path).get("provenance", "user"))
    except Exception:  # unreadable: treat as absent (load_trained reports it)
        return None
