"""The decision record: `riskcli report` renders a ScoreResult as PDF, HTML or model-card Markdown.

`context` turns a result into formatted view values, `charts` draws the SVG charts, `templates`
loads and checks the template folder, `render` puts them together, and `pdf` (WeasyPrint, imported
only for a PDF) turns the HTML into the document.
"""

from riskcli.report.render import Format, format_for, render, write_report

__all__ = ["Format", "format_for", "render", "write_report"]
