"""Classification: taxonomies, classifiers and heads, the insight kinds (plug-ins), the analyzer and the runner."""
