"""Quality inspection (质检): every conversation scored against each scorecard for its channel
(`insights.quality`). Records: `qa_item` per item (label `item:pass|fail|na`, evidence = the deciding turn) and
`qa_score` per scorecard (label `pass`, `fail` or `fatal`; confidence = score / 100). The scorecard's name is the
records' model name and its fingerprint their version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from core.records import Insight, Turn
from core.settings import Settings
from insights.classify.kinds.base import Case, InsightKind, Predictions, registry
from insights.quality.score import score_conversation
from insights.quality.scorecard import Scorecard, load_scorecards


@dataclass
class QualityKind:
    scorecards: list[Scorecard]
    name: str = "quality"
    version: str = field(init=False)
    tasks: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.version = "1/" + ",".join(f"{c.name}@{c.fingerprint}" for c in self.scorecards)

    def select(self, case: Case) -> Sequence[Turn]:
        return []

    def produce(self, case: Case, predictions: Predictions) -> list[Insight]:
        out: list[Insight] = []
        for card in self.scorecards:
            if not card.applies_to(case.conversation.channel):
                continue
            score = score_conversation(card, case.conversation)
            model = f"scorecard/{card.name}"
            for r in score.items:
                out.append(case.record("qa_item", f"{r.item}:{r.outcome}", 1.0, r.turn_index, model, score.version))
            label = "fatal" if score.fatal else "pass" if score.passed else "fail"
            out.append(case.record("qa_score", label, score.score / 100, None, model, score.version))
        return out


@registry.register("quality", "质检: each conversation scored against the scorecards for its channel")
def _quality(settings: Settings) -> InsightKind:
    return QualityKind(load_scorecards(settings.quality.scorecard_dir))
