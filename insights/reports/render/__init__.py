"""Report rendering: inline-SVG charts, HTML pages (Jinja2, autoescaped, self-contained), Markdown and JSON files."""
