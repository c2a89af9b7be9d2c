"""Distillation: the LLM labels a sample of your own conversations, and the fast heads are trained on its labels.

So a new install is not zero-shot, while classifying 100k conversations stays an embedding head's job. Each night
labels up to `llm.label_sample` new texts per task (kept in `llm_labels`, so the training set grows night by night)
and retrains the task's head on every label at least `MIN_CONFIDENCE` sure. Provenance is kept: the head is saved as
`provenance=llm` and its insights carry `distilled:` in their model version. Your own labels always win: a task
whose head you trained (`cxloop insights train`) is never distilled over.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from core.db import transaction
from core.ml.base import Embedder
from core.records import Conversation
from core.settings import Settings
from core.tables import ConversationRow, LLMLabelRow
from ingest.ledger import from_row
from insights.classify.classifiers import zero_shot_classifier
from insights.classify.config import heads_dir
from insights.classify.taxonomy import Taxonomy
from insights.classify.training import head_provenance, train_and_save
from insights.classify.turns import customer_turns, opening

log = logging.getLogger(__name__)
TASKS = ("intent", "sentiment", "complaint_issue", "loss_reason")
MIN_CONFIDENCE = 0.5
MIN_ROWS = 20  # fewer labels than this train nothing yet
BATCH = 20
SCAN = 2000  # conversations looked at per night for unlabelled texts


class TaskRun(BaseModel):
    labelled: int = 0
    kept: int = 0
    by_label: dict[str, int] = Field(default_factory=dict)
    trained: bool = False
    skipped: str | None = None


class DistillRun(BaseModel):
    tasks: dict[str, TaskRun] = Field(default_factory=dict)
    llm_seconds: float = 0.0
    labelled: int = 0
    budget_left: bool = True

    @property
    def llm_seconds_per_text(self) -> float:
        return round(self.llm_seconds / self.labelled, 3) if self.labelled else 0.0


def texts_for(task: str, conversation: Conversation) -> list[str]:
    """The texts the task's insight kind classifies: the opening turn (intent), customer turns (sentiment, the
    complaint issue of a service contact, the loss reasons of a lost sale)."""
    turns = customer_turns(conversation)
    if task == "intent":
        opener = opening(turns)
        return [opener.text] if opener is not None else []
    if task == "complaint_issue" and conversation.outcome is not None:
        return []  # sales talks are no product complaints
    if task == "loss_reason" and conversation.outcome != "lost":
        return []
    return [t.text for t in turns]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def distill(
    settings: Settings,
    sessions: sessionmaker[Session],
    chat_model: Any,
    embedder: Embedder,
    taxonomies: dict[str, Taxonomy],
    *,
    sample: int | None = None,
    budget_s: float = float("inf"),
    seed: int = 0,
) -> DistillRun:
    """Label up to `sample` new texts per task with the LLM (within `budget_s`), then retrain each task's head."""
    from insights.classify.llm_labels import LLMLabeler

    sample = settings.llm.label_sample if sample is None else sample
    started = time.perf_counter()
    run = DistillRun()
    conversations = _recent(sessions, seed)
    for task in [t for t in TASKS if t in taxonomies]:
        result = run.tasks.setdefault(task, TaskRun())
        if head_provenance(heads_dir(settings), task) == "user":
            result.skipped = "you trained this head: your labels win"
            continue
        taxonomy = taxonomies[task]
        labeler = LLMLabeler(
            chat_model,
            taxonomy,
            shortlist=zero_shot_classifier(taxonomy, embedder),
            calibrate=settings.llm.calibrate_labels,
        )
        todo = _unlabelled(sessions, task, labeler.version, conversations, sample)
        for start in range(0, len(todo), BATCH):
            if time.perf_counter() - started >= budget_s:
                run.budget_left = False
                break
            batch = todo[start : start + BATCH]
            t0 = time.perf_counter()
            predictions = labeler.label(batch)
            run.llm_seconds += time.perf_counter() - t0
            with transaction(sessions) as session:
                for text, p in zip(batch, predictions, strict=True):
                    session.add(
                        LLMLabelRow(
                            task=task,
                            text_sha256=sha(text),
                            text=text,
                            label=p.label,
                            confidence=p.confidence,
                            model=labeler.name[:128],
                            version=labeler.version[:64],
                        )
                    )
            result.labelled += len(batch)
            run.labelled += len(batch)
        _train(settings, sessions, task, taxonomy, labeler.version, labeler.name, embedder, result)
    run.llm_seconds = round(run.llm_seconds, 3)
    return run


def _recent(sessions: sessionmaker[Session], seed: int) -> list[Conversation]:
    with sessions() as session:
        rows = session.scalars(
            select(ConversationRow)
            .order_by(ConversationRow.started_at.desc().nulls_last(), ConversationRow.id)
            .limit(SCAN)
            .options(selectinload(ConversationRow.turns))
        ).all()
        conversations = [from_row(row) for row in rows]
    random.Random(seed).shuffle(conversations)  # a sample across products and days, not one busy morning
    return conversations


def _unlabelled(
    sessions: sessionmaker[Session], task: str, version: str, conversations: Sequence[Conversation], sample: int
) -> list[str]:
    with sessions() as session:
        done = set(
            session.scalars(
                select(LLMLabelRow.text_sha256).where(LLMLabelRow.task == task, LLMLabelRow.version == version)
            )
        )
    out: list[str] = []
    for conversation in conversations:
        for text in texts_for(task, conversation):
            key = sha(text)
            if len(out) >= sample:
                return out
            if text.strip() and key not in done:
                done.add(key)
                out.append(text)
    return out


def _train(
    settings: Settings,
    sessions: sessionmaker[Session],
    task: str,
    taxonomy: Taxonomy,
    version: str,
    model: str,
    embedder: Embedder,
    result: TaskRun,
) -> None:
    with sessions() as session:
        rows = session.execute(
            select(LLMLabelRow.text, LLMLabelRow.label).where(
                LLMLabelRow.task == task, LLMLabelRow.version == version, LLMLabelRow.confidence >= MIN_CONFIDENCE
            )
        ).all()
    texts = [r[0] for r in rows]
    labels = [r[1] for r in rows]
    result.kept = len(texts)
    result.by_label = dict(Counter(labels))
    if len(texts) < MIN_ROWS or len(set(labels)) < 2:
        result.skipped = f"{len(texts)} confident LLM labels in {len(set(labels))} classes: too few to train yet"
        return
    train_and_save(
        taxonomy,
        texts,
        labels,
        embedder,
        heads_dir(settings),
        source=f"llm:{model}",
        min_precision=settings.insights.min_precision,
        max_in_scope_drop=settings.insights.max_in_scope_drop,
        provenance="llm",
    )
    result.trained = True
