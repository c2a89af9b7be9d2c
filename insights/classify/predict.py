"""Classifying a file's rows task by task, with evidence, and scoring the answers against a label column.

The evidence for a row's label is the sentence of the row that speaks most for it (the row itself when it is one
sentence), masked as every quote is. What `evaluate` reports is what the shipped classifier answers: below its
threshold that is the fallback label (`other`), which counts as wrong for an in-scope row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from core.sentences import split_sentences
from insights.classify.classifiers import Classifier, Prediction
from insights.classify.files import TextRow
from insights.classify.turns import quote

BATCH = 256


@dataclass(frozen=True)
class Labelled:
    """One task's answer for one row."""

    prediction: Prediction
    evidence: str


@dataclass(frozen=True)
class RowResult:
    row: TextRow
    answers: dict[str, Labelled]  # task -> answer


def classify_rows(
    rows: Sequence[TextRow],
    classifiers: Mapping[str, Classifier],
    *,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> list[RowResult]:
    """Every row classified for every task, `batch` rows per call; `progress` hears how many rows each batch did."""
    out: list[RowResult] = []
    for start in range(0, len(rows), batch):
        part = rows[start : start + batch]
        answers: list[dict[str, Labelled]] = [{} for _ in part]
        for task, classifier in classifiers.items():
            for i, labelled in enumerate(_classify(classifier, [r.text for r in part])):
                answers[i][task] = labelled
        out += [RowResult(r, a) for r, a in zip(part, answers, strict=True)]
        if progress:
            progress(len(part))
    return out


def _classify(classifier: Classifier, texts: list[str]) -> list[Labelled]:
    predictions = classifier.classify(texts)
    pieces = [split_sentences(t) for t in texts]
    many = [i for i, p in enumerate(pieces) if len(p) > 1]
    flat = [s for i in many for s in pieces[i]]
    scored = iter(classifier.classify(flat)) if flat else iter(())
    evidence = [quote(t) for t in texts]
    for i in many:
        label = predictions[i].label
        sentences = [(s, next(scored)) for s in pieces[i]]
        evidence[i] = quote(max(sentences, key=lambda sp: _support(sp[1], label))[0])
    return [Labelled(p, e) for p, e in zip(predictions, evidence, strict=True)]


def _support(p: Prediction, label: str) -> float:
    return p.scores.get(label, p.confidence if p.label == label else 0.0)


@dataclass
class Evaluation:
    task: str
    rows: int
    accuracy: float
    macro_f1: float
    fallback: str
    fallback_support: int  # rows labelled with the fallback
    fallback_precision: float | None  # of the rows answered with the fallback; None when none were
    fallback_recall: float | None  # None when no row is labelled with the fallback
    confusions: list[tuple[str, str, int]] = field(default_factory=list)  # (label, answered, rows), most first
    by_label: dict[str, dict[str, float]] = field(default_factory=dict)  # label -> precision, recall, f1, support


def evaluate(task: str, truth: Sequence[str], answered: Sequence[str], fallback: str, top: int = 10) -> Evaluation:
    """Accuracy, macro-F1 over the labels that occur, the most frequent confusions, and the fallback's
    precision and recall."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    labels = sorted(set(truth) | set(answered))
    precision, recall, f1, support = precision_recall_fscore_support(truth, answered, labels=labels, zero_division=0.0)
    by_label = {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    confusions = Counter((t, a) for t, a in zip(truth, answered, strict=True) if t != a)
    said = sum(a == fallback for a in answered)
    is_fallback = sum(t == fallback for t in truth)
    hits = sum(t == a == fallback for t, a in zip(truth, answered, strict=True))
    return Evaluation(
        task=task,
        rows=len(truth),
        accuracy=sum(t == a for t, a in zip(truth, answered, strict=True)) / len(truth) if truth else 0.0,
        macro_f1=float(f1_score(truth, answered, labels=sorted(set(truth)), average="macro", zero_division=0.0)),
        fallback=fallback,
        fallback_support=is_fallback,
        fallback_precision=hits / said if said else None,
        fallback_recall=hits / is_fallback if is_fallback else None,
        confusions=[(t, a, n) for (t, a), n in confusions.most_common(top)],
        by_label=by_label,
    )
