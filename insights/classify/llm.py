"""The LLM classifier: structured output through langchain, validated against the taxonomy.

A model that can call tools (any OpenAI-compatible server) or constrain its output to a schema (the local llama.cpp
model) gets the answer schema with the label names as an enum; any other chat model is asked for the same JSON in
the prompt. Either way the answer is
checked: a label that is not in the taxonomy, a confidence that is not a number, unparseable text or a failed call
all fall back to the embedding head for that text, and are counted.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Sequence
from typing import Any, Literal, cast

from pydantic import BaseModel, Field, create_model

from insights.classify.classifiers import Classifier, Prediction
from insights.classify.taxonomy import Taxonomy

log = logging.getLogger(__name__)
PROMPT_VERSION = "p1"
MAX_TEXT_CHARS = 2000
_JSON_OBJECT = re.compile(r"\{.*?\}", re.DOTALL)


def answer_schema(taxonomy: Taxonomy) -> type[BaseModel]:
    label_type = cast(Any, Literal).__getitem__(tuple(taxonomy.names))
    return create_model(
        "LabelAnswer",
        __doc__=f"The {taxonomy.task} label for the text, and how sure you are.",
        label=(label_type, Field(description="Exactly one label name from the list.")),
        confidence=(float, Field(description="From 0 (a guess) to 1 (certain).")),
    )


def system_prompt(taxonomy: Taxonomy) -> str:
    lines = [f"- {label.name}: {label.description}" for label in taxonomy.labels]
    if taxonomy.fallback not in {label.name for label in taxonomy.labels}:
        lines.append(f"- {taxonomy.fallback}: none of the above fits")
    task = taxonomy.task.replace("_", " ")
    return (
        f"You label the {task} of customer-service text (Chinese or English) for a contact center.\n"
        "Labels:\n" + "\n".join(lines) + "\n"
        'Reply with JSON only: {"label": "<one label name from the list>", "confidence": <number from 0 to 1>}'
    )


class LLMClassifier:
    def __init__(
        self,
        model: Any,
        taxonomy: Taxonomy,
        fallback: Classifier,
        *,
        threshold: float = 0.5,
        max_concurrency: int = 4,
    ) -> None:
        self.model = model
        self.taxonomy = taxonomy
        self.fallback = fallback
        self.threshold = threshold
        self.max_concurrency = max_concurrency
        model_name = getattr(model, "model_name", None) or getattr(model, "model", None) or model._llm_type
        self.name = f"llm/{model_name}"[:128]
        self.version = f"llm:{taxonomy.version}:{PROMPT_VERSION}:t{threshold:.4g}"
        self.calls = 0
        self.fallbacks = 0
        self._system = system_prompt(taxonomy)
        self._structured = self._structured_runnable()

    def _structured_runnable(self) -> Any:
        from langchain_core.language_models.chat_models import BaseChatModel

        kind = type(self.model)
        if (
            kind.bind_tools is BaseChatModel.bind_tools
            and kind.with_structured_output is BaseChatModel.with_structured_output
        ):
            return None  # neither tool calling nor a schema of its own: ask for the JSON in the prompt
        return self.model.with_structured_output(answer_schema(self.taxonomy), include_raw=True)

    def classify(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        messages = [[("system", self._system), ("human", f"Text:\n{t[:MAX_TEXT_CHARS]}")] for t in texts]
        runnable = self._structured if self._structured is not None else self.model
        replies = runnable.batch(messages, config={"max_concurrency": self.max_concurrency}, return_exceptions=True)
        self.calls += len(texts)
        answers = [self._validate(reply) for reply in replies]
        redo = [i for i, a in enumerate(answers) if a is None]
        rescued = self.fallback.classify([texts[i] for i in redo]) if redo else []
        self.fallbacks += len(redo)
        by_index = dict(zip(redo, rescued, strict=True))
        out: list[Prediction] = []
        for i, answer in enumerate(answers):
            if answer is None:
                out.append(by_index[i])
                continue
            label, confidence = answer
            chosen = label if confidence >= self.threshold else self.taxonomy.fallback
            out.append(Prediction(chosen, confidence, label, {label: confidence}, self.name, self.version))
        return out

    def _validate(self, reply: Any) -> tuple[str, float] | None:
        """(label, confidence) when the reply is a valid answer for this taxonomy, else None."""
        if isinstance(reply, BaseException):
            log.warning("chat model call failed (%s): using the embedding head", reply.__class__.__name__)
            return None
        data: Any = None
        if isinstance(reply, dict):  # structured output with include_raw
            parsed = reply.get("parsed")
            data = parsed.model_dump() if isinstance(parsed, BaseModel) else parsed
            if data is None and reply.get("raw") is not None:
                data = _json_from_text(_content(reply["raw"]))
        else:
            data = _json_from_text(_content(reply))
        if not isinstance(data, dict):
            return None
        label = self.taxonomy.normalise(str(data.get("label", "")))
        try:
            confidence = float(data.get("confidence", "nan"))
        except (TypeError, ValueError):
            return None
        if label is None or math.isnan(confidence):
            return None
        return label, round(min(1.0, max(0.0, confidence)), 4)


def _content(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):  # content blocks
        return "".join(str(b.get("text", "")) if isinstance(b, dict) else str(b) for b in content)
    return str(content)


def _json_from_text(text: str) -> Any:
    for candidate in _JSON_OBJECT.findall(text):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    return None
