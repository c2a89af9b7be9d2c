"""Knowledge base and agent assist: documents → chunks → hybrid index → cited answers, feedback and gaps.

Entry points for other packages (flows, api, cli):
- `knowledge.index.index_folder(settings, path)` indexes a folder incrementally and returns an `IndexReport`;
- `knowledge.assist.assistant_for(runtime)` gives an `Assistant` whose `.ask(question, ...)` returns an
  `AssistResult` (answer, citations, confidence, abstained);
- `knowledge.gaps.list_gaps(session, ...)` groups unanswered and badly rated questions.
"""
