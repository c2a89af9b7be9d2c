"""Insights: intent, sentiment, sales outcome and loss reasons, and the product + issue behind each complaint.

Entry points (plain functions; the CLI, the Prefect flow `classify` and the API wrap them):

- `insights.runner.classify_pending(settings, sessions, ...) -> RunReport`: classify new or changed conversations.
- `insights.build.build_analyzer(settings, ...) -> Analyzer`: the classifiers for one run (`Analyzer.analyze`).
- `insights.training.train_and_save(taxonomy, texts, labels, embedder, directory)`: a trained head.
- `insights.store.conversation_insights(session, id)`, `insights.store.complaint_counts(session, ...)`: reading.
"""
