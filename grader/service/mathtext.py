"""Statements as HTML: text escaped, paragraphs kept, `$…$` and `$$…$$` as MathML (latex2mathml).

MathML is rendered by the browser itself (Chromium, Firefox, Safari), so the page needs no
JavaScript, no fonts to download and no CDN.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

from latex2mathml.converter import convert

__all__ = ["statement_html", "math_html"]

_MATH = re.compile(r"\$\$(?P<display>.+?)\$\$|\$(?P<inline>[^$]+?)\$", re.DOTALL)


def math_html(latex: str, *, display: bool) -> str:
    """One formula as MathML; text in a <code> if the converter cannot read it."""
    try:
        return convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # latex2mathml raises several kinds; an unreadable formula is shown as typed
        return f"<code>{escape(latex)}</code>"


def _paragraph(text: str) -> str:
    parts: list[str] = []
    position = 0
    for match in _MATH.finditer(text):
        parts.append(escape(text[position : match.start()]))
        display = match.group("display")
        if display is not None:
            # a wide formula scrolls on its own instead of widening the page (phones)
            parts.append(f'<span class="math-display">{math_html(display, display=True)}</span>')
        else:
            parts.append(math_html(match.group("inline"), display=False))
        position = match.end()
    parts.append(escape(text[position:]))
    return "".join(parts)


@lru_cache(maxsize=256)
def statement_html(statement: str) -> str:
    """The statement as HTML paragraphs (cached by the statement's text)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", statement) if p.strip()]
    return "\n".join(f"<p>{_paragraph(p)}</p>" for p in paragraphs)
