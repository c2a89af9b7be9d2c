"""Insights: intent, sentiment, sales outcome and loss reasons, and the product + issue behind each complaint.

Sub-packages, one job each: `classify` (taxonomies, classifiers, the analyzer and the runner), `andon` (the
repeated-complaint rule and its alerts), `reports` (trends, topics, the loss digest and their pages).

Entry points (plain functions; the CLI, the Prefect flow `classify` and the API wrap them):

- `insights.classify.runner.classify_pending(settings, sessions, ...) -> RunReport`: classify new or changed
  conversations.
- `insights.classify.build.build_analyzer(settings, ...) -> Analyzer`: the classifiers for one run
  (`Analyzer.analyze`).
- `insights.classify.training.train_and_save(taxonomy, texts, labels, embedder, directory)`: a trained head.
- `insights.classify.store.conversation_insights(session, id)`, `insights.classify.store.complaint_counts(session,
  ...)`: reading.
"""
