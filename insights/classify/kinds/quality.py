"""Quality inspection (质检): every conversation scored against each scorecard for its channel
(`insights.quality`). Records: `qa_item` per item (label `item:pass|fail|na`, evidence = the deciding turn,
confidence = the item's value: a semantic item's similarity, a timing item's measure, else 1), `qa_score` per
scorecard (label `pass`, `fail` or `fatal`; confidence = score / 100) and, on a mono call, `qa_roles` `inferred`.
The scorecard's name is the records' model name and its fingerprint their version. Semantic items use the embedder
the classifiers share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from core.ml.base import Embedder
from core.records import Insight, Turn
from core.settings import Settings
from insights.classify.kinds.base import Case, InsightKind, Predictions, registry
from insights.quality.score import score_conversation
from insights.quality.scorecard import Scorecard, load_scorecards
from insights.quality.semantic import SemanticMatcher


@dataclass
class QualityKind:
    scorecards: list[Scorecard]
    name: str = "quality"
    version: str = field(init=False)
    tasks: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()

    _matcher: SemanticMatcher | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.version = "2/" + ",".join(f"{c.name}@{c.fingerprint}" for c in self.scorecards)

    def matcher(self, embedder: Embedder | None) -> SemanticMatcher | None:
        if embedder is None:
            return None
        if self._matcher is None or self._matcher.embedder is not embedder:
            self._matcher = SemanticMatcher(embedder)
        return self._matcher

    def select(self, case: Case) -> Sequence[Turn]:
        return []

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        out: list[Insight] = []
        for card in self.scorecards:
            if not card.applies_to(case.conversation.channel):
                continue
            score = score_conversation(card, case.conversation, self.matcher(predictions.embedder))
            model = f"scorecard/{card.name}"
            for r in score.items:
                value = 1.0 if r.value is None else r.value
                label = f"{r.item}:{r.outcome}"
                out.append(case.record("qa_item", label, value, r.turn_index, model, score.version))
            label = "fatal" if score.fatal else "pass" if score.passed else "fail"
            out.append(case.record("qa_score", label, score.score / 100, None, model, score.version))
            if score.roles_inferred:
                out.append(case.record("qa_roles", "inferred", 1.0, None, model, score.version))
        return out


@registry.register("quality", "质检: each conversation scored against the scorecards for its channel")
def _quality(settings: Settings) -> InsightKind:
    return QualityKind(load_scorecards(settings.quality.scorecard_dir))
