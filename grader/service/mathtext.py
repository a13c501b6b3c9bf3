"""Statements and worked solutions as HTML: text escaped, `$…$` and `$$…$$` as MathML (latex2mathml).

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

from grader.feedback.explain import WorkedSolution, format_value
from grader.feedback.semantics import describe_evaluation

__all__ = ["statement_html", "math_html", "worked_solution_html"]

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


_SPACE = re.compile(r"\\[{}]|\\q?quad(?![a-zA-Z])|[{}]")


def display_parts(latex: str) -> list[str]:
    """A display formula cut at its top-level `\\quad`s and `\\qquad`s (the space between
    equations set side by side), so that each equation can wrap to its own line on a narrow page."""
    parts: list[str] = []
    depth = 0
    start = 0
    for match in _SPACE.finditer(latex):
        token = match.group()
        if token in ("\\{", "\\}"):
            continue  # a brace drawn in the formula, not a group
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            parts.append(latex[start : match.start()])
            start = match.end()
    parts.append(latex[start:])
    return [part for part in (part.strip() for part in parts) if part]


def _display(latex: str) -> str:
    # each equation is a block of its own; they sit side by side while the page is wide enough,
    # and one wider than the page scrolls on its own instead of widening the page (phones)
    blocks = "".join(
        f'<span class="math-block">{math_html(part, display=True)}</span>' for part in display_parts(latex)
    )
    return f'<span class="math-display">{blocks}</span>'


def _paragraph(text: str) -> str:
    parts: list[str] = []
    position = 0
    for match in _MATH.finditer(text):
        parts.append(escape(text[position : match.start()]))
        display = match.group("display")
        if display is not None:
            parts.append(_display(display))
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


def _column_html(column: str, *, math: bool) -> str:
    """A column of the worked solution ("h_{t-1}", "h_t before rounding") as MathML and words."""
    if not math:
        return escape(column)
    symbol, _, words = column.partition(" ")
    formula = math_html(symbol.replace("tanh", "\\tanh"), display=False)
    return f"{formula} {escape(words)}" if words else formula


def worked_solution_html(solution: WorkedSolution, *, math: bool = True) -> str:
    """The worked solution as an HTML table: one row per time step, built from its values.

    Column headers are MathML, or with `math=False` text as `grade explain` writes them (for
    XQueue, whose host page may not keep MathML).
    """
    columns = solution.columns()
    head = "".join(f'<th scope="col">{_column_html(column, math=math)}</th>' for column in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(format_value(value))}</td>" for value in row) + "</tr>"
        for row in solution.rows()
    )
    rules = escape(describe_evaluation(solution.problem.evaluation))
    # a table wider than a phone scrolls inside its own box, reachable by keyboard
    return (
        f'<p class="worked-rules">Worked solution. Rules: {rules}.</p>'
        '<div class="table-scroll" role="region" aria-label="Worked solution" tabindex="0">'
        f'<table class="worked"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
    )
