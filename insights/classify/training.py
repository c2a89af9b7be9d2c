"""Training a head from a labelled CSV, saving it with its taxonomy version, and loading it back."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from core.errors import ModelUnavailable
from core.ml.base import Embedder
from insights.classify.classifiers import HeadClassifier, fit_head_classifier
from insights.classify.head import MAX_IN_SCOPE_DROP, MIN_OTHER_VALIDATION
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
    threshold_rule: str  # out-of-scope, precision, or none (too few rows to tune)
    fallback: str
    fallback_rows: int  # training rows labelled with the fallback (your out-of-scope examples)
    validation_fallback_rows: int
    in_scope_accuracy: float | None  # on the validation split at the threshold
    fallback_recall: float | None
    version: str
    min_precision: float = 0.85

    def summary(self) -> list[str]:
        """What a person needs to know about the new head, line by line."""
        accuracy = "n/a" if self.validation_accuracy is None else f"{self.validation_accuracy:.3f}"
        lines = [
            f"saved {self.path}: taxonomy {self.taxonomy_version}, embedder {self.embedder}",
            f"validation: {self.validation_rows} row(s), accuracy {accuracy} answering every row",
        ]
        at = f"threshold {self.threshold:.3f} ({self.threshold_rule} rule)"
        if self.in_scope_accuracy is not None:
            at += f": in-scope accuracy {self.in_scope_accuracy:.3f}"
            if self.fallback_recall is not None:
                at += f", '{self.fallback}' recall {self.fallback_recall:.3f}"
        lines.append(at)
        if self.threshold_rule != "out-of-scope":
            lines.append(
                f"note: {self.fallback_rows} training row(s) are labelled '{self.fallback}' "
                f"({self.validation_fallback_rows} in validation, {MIN_OTHER_VALIDATION} needed), so out-of-scope "
                f"could not be learned; the threshold keeps answers that were right {self.min_precision:.0%} of the "
                f"time. Add '{self.fallback}' rows (questions you do not classify) to catch out-of-scope."
            )
        return lines


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
    max_in_scope_drop: float = MAX_IN_SCOPE_DROP,
    provenance: str = "user",
) -> TrainReport:
    """Fit and save the task's head; `provenance` is `user` (your labels, which always win) or `llm` (distilled)."""
    import joblib

    classifier = fit_head_classifier(
        taxonomy, texts, labels, embedder, min_precision=min_precision, max_in_scope_drop=max_in_scope_drop
    )
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
        "threshold": tuning.threshold,
        "threshold_rule": tuning.rule,
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
        threshold_rule=tuning.rule,
        fallback=taxonomy.fallback,
        fallback_rows=sum(label == taxonomy.fallback for label in labels),
        validation_fallback_rows=tuning.other_rows,
        in_scope_accuracy=tuning.in_scope_accuracy,
        fallback_recall=tuning.other_recall,
        version=classifier.version,
        min_precision=min_precision,
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
