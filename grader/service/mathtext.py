"""Statements as HTML: text escaped, paragraphs kept, `$…$` and `$$…$$` as MathML (latex2mathml).

MathML is rendered by the browser itself (Chromium, Firefox, Safari), so the page needs no
JavaScript, no fonts to download and no CDN.

A statement is text from the course, but it is shown to every student: nothing in it may become
markup. latex2mathml copies the argument of `\\text{…}` into the MathML unescaped and turns
`\\href`/`\\style` into attributes, so its element tree is rebuilt here: MathML elements only,
presentation attributes only, and every text escaped when it is written out.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape, unescape
from xml.etree.ElementTree import Element, tostring

from latex2mathml.converter import convert_to_element

__all__ = ["statement_html", "math_html"]

_MATH = re.compile(r"\$\$(?P<display>.+?)\$\$|\$(?P<inline>[^$]+?)\$", re.DOTALL)

#: The MathML elements latex2mathml writes (MathML Core and the few extras it uses).
_ELEMENTS = frozenset({
    "math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "ms", "mfrac", "msqrt", "mroot", "mstyle",
    "merror", "mpadded", "mphantom", "menclose", "msub", "msup", "msubsup", "munder", "mover",
    "munderover", "mmultiscripts", "mprescripts", "none", "mtable", "mtr", "mtd", "semantics",
    "annotation",
})  # fmt: skip
#: Presentation attributes; no href, no style, no event handler.
_ATTRIBUTES = frozenset({
    "xmlns", "display", "mathvariant", "mathsize", "fence", "separator", "stretchy", "symmetric",
    "largeop", "movablelimits", "accent", "accentunder", "form", "lspace", "rspace", "minsize",
    "maxsize", "width", "height", "depth", "linebreak", "linethickness", "notation", "displaystyle",
    "scriptlevel", "columnalign", "columnlines", "columnspacing", "rowalign", "rowlines",
    "rowspacing", "frame", "framespacing",
})  # fmt: skip


class _UnsafeMath(Exception):
    pass


def _clean(element: Element) -> None:
    """Keep `element` to MathML: known elements, presentation attributes, text as text."""
    if element.tag not in _ELEMENTS:
        raise _UnsafeMath(element.tag)
    for name in [name for name in element.attrib if name not in _ATTRIBUTES]:
        del element.attrib[name]
    # latex2mathml writes characters as entity text ("&#x0003C;") and unescapes its own output;
    # as characters they are escaped by `tostring` like everything else
    if element.text:
        element.text = unescape(element.text)
    if element.tail:
        element.tail = unescape(element.tail)
    for child in element:
        _clean(child)


def math_html(latex: str, *, display: bool) -> str:
    """One formula as MathML; text in a <code> if the converter cannot read it."""
    try:
        math = convert_to_element(latex.strip(), display="block" if display else "inline")
        _clean(math)
    except Exception:  # latex2mathml raises several kinds; an unreadable formula is shown as typed
        return f"<code>{escape(latex)}</code>"
    return tostring(math, encoding="unicode")


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
