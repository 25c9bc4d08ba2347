"""HTML of summary tables: a styled fragment for notebooks, or a self-contained page.

Numbers are right-aligned with tabular figures, text left-aligned; a wide table
scrolls horizontally inside its own box instead of being cut off. The stylesheet
is scoped to the ``ecostat-summary`` class, so a notebook's own styles are left
alone.
"""

from __future__ import annotations

import html
import re

from .formatting import NUM, Layout

__all__ = ["STYLE", "render_table", "render_facts", "page", "html_number"]

#: the stylesheet of the fragment and the page (scoped to .ecostat-summary)
STYLE = """\
.ecostat-summary { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 14px; line-height: 1.4; color: #1f1f1f; max-width: 100%; }
.ecostat-summary .ecostat-title { font-size: 1.25em; font-weight: 600; margin: 0.2em 0 0.6em; }
.ecostat-summary .ecostat-scroll { overflow-x: auto; max-width: 100%; margin: 0 0 1.2em; }
.ecostat-summary table { border-collapse: collapse; border-top: 2px solid #1f1f1f; border-bottom: 2px solid #1f1f1f;
  margin: 0; }
.ecostat-summary caption { caption-side: top; text-align: left; font-weight: 600; padding: 0 0 0.35em;
  position: sticky; left: 0; max-width: calc(100vw - 4em); }
.ecostat-summary th, .ecostat-summary td { padding: 0.25em 0.7em; border: none; vertical-align: top;
  white-space: nowrap; }
.ecostat-summary thead th { border-bottom: 1px solid #1f1f1f; font-weight: 600; vertical-align: bottom; }
.ecostat-summary table.ecostat-table tbody tr:nth-child(even) { background: #f4f5f7; }
.ecostat-summary .num { text-align: right; font-variant-numeric: tabular-nums; }
.ecostat-summary .text { text-align: left; }
.ecostat-summary td.text { white-space: normal; min-width: 6em; max-width: 32em; }
.ecostat-summary table.ecostat-facts { border: none; margin-bottom: 1.2em; }
.ecostat-summary table.ecostat-facts th { text-align: left; padding-left: 0; border: none; }
.ecostat-summary table.ecostat-facts td { white-space: normal; }
.ecostat-summary .ecostat-notes { font-size: 0.92em; color: #3a3a3a; padding-left: 1.6em; }
"""

_NUM_RE = re.compile(NUM)


def html_number(text: str) -> str:
    """A formatted number as HTML: minus signs, ``x 10<sup>k</sup>``, an en dash for missing.

    Examples
    --------
    >>> html_number("-5.97e-07")
    '−5.97×10<sup>−7</sup>'
    >>> html_number("< 0.001"), html_number("--")
    ('&lt; 0.001', '–')
    """
    text = str(text).strip()
    if text in ("--", ""):
        return "\u2013" if text else ""
    out, pos = [], 0
    for m in _NUM_RE.finditer(text):
        out.append(html.escape(text[pos:m.start()]))
        s = m.group(0)
        mant, _, exp = s.lower().partition("e")
        mant = mant.replace("-", "\u2212")
        out.append(f"{mant}\u00d710<sup>{str(int(exp)).replace('-', chr(0x2212))}</sup>" if exp else mant)
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def render_table(lay: Layout, caption: str | None = None) -> str:
    """One table (with its caption) in a box that scrolls horizontally."""
    cls = ["num" if col.numeric else "text" for col in lay.columns]
    head = "".join(f"<th class='{c}'>{html.escape(col.label)}</th>" for c, col in zip(cls, lay.columns))
    rows = []
    for r in range(lay.n_rows):
        cells = []
        for col in lay.columns:
            cell = col.cells[r]
            text = html_number(cell.text) if cell.numeric else html.escape(cell.text)
            cells.append(f"<td class='{'num' if cell.numeric else 'text'}'>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (f"<div class='ecostat-scroll'><table class='ecostat-table'>{cap}<thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def render_facts(facts: list[tuple[str, str]]) -> str:
    """The header facts of a summary as a two-column table."""
    rows = "".join(f"<tr><th scope='row'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts)
    return f"<table class='ecostat-facts'>{rows}</table>"


def page(title: str, body: str) -> str:
    """A self-contained HTML5 page around ``body``: doctype, charset, viewport, the stylesheet.

    Examples
    --------
    >>> page("T", "<p>x</p>").splitlines()[0]
    '<!DOCTYPE html>'
    """
    return ("<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
            f"<title>{html.escape(title)}</title>\n<style>\n"
            "body { margin: 1.5em auto; padding: 0 1.5em; max-width: 1100px; background: #fff; }\n"
            f"{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
