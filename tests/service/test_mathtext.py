"""Statements as HTML: math becomes MathML, and nothing a statement says becomes markup."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from grader.service.mathtext import display_parts, math_html, statement_html

MATHML = {
    "math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "mfrac", "msqrt", "mroot", "mstyle",
    "mpadded", "mphantom", "menclose", "msub", "msup", "msubsup", "munder", "mover", "munderover",
    "mtable", "mtr", "mtd",
}  # fmt: skip


class Markup(HTMLParser):
    """The elements and attribute names of an HTML fragment, as a browser would parse them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[str] = []
        self.attributes: set[str] = set()
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(tag)
        self.attributes.update(name for name, _ in attrs)


@pytest.mark.parametrize(
    ("latex", "shown"),
    [
        (r"\text{<script>alert(1)</script>}", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        (r"\text{<img src=x onerror=alert(1)>}", "&lt;img"),
        (r"\mbox{<b>bold</b>}", "&lt;b&gt;"),
        (r"\text{a & b}", "&amp;"),
        (r"\text{&lt;i&gt;}", "&lt;i&gt;"),  # an entity the author typed is text, not a tag
        (r"\href{javascript:alert(1)}{x}", "<mi>x</mi>"),
        (r"\style{background:url(https://evil.example/)}{x}", "<mi>x</mi>"),
    ],
)
def test_text_inside_math_is_text(latex: str, shown: str) -> None:
    html = math_html(latex, display=False)
    markup = Markup(html)
    assert set(markup.elements) <= MATHML, html
    assert not markup.attributes & {"href", "style", "src", "onerror", "onload"}, html
    assert shown in html


@pytest.mark.parametrize(
    ("latex", "element"),
    [
        (r"h_t = o_t \odot \tanh(c_t)", "<msub><mi>h</mi><mi>t</mi></msub>"),
        (r"a < b", "<mo>&lt;</mo>"),
        (r"\frac{1}{2}", "<mfrac><mrow><mn>1</mn></mrow>"),
        (r"\begin{pmatrix}1&2\\3&4\end{pmatrix}", "<mtd><mn>4</mn></mtd>"),
    ],
)
def test_formulas_are_mathml(latex: str, element: str) -> None:
    assert element in math_html(latex, display=False)


def test_a_statement_escapes_its_text_and_its_math() -> None:
    html = statement_html("Say <b>hi</b> & $\\text{<script>x</script>}$.\n\nAnd $$\\text{<i>}$$")
    assert set(Markup(html).elements) <= MATHML | {"p", "span"}
    assert "Say &lt;b&gt;hi&lt;/b&gt; &amp;" in html and "&lt;script&gt;x&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("latex", "parts"),
    [
        (r"f_t = a,\quad i_t = b,\qquad o_t = c", ["f_t = a,", "i_t = b,", "o_t = c"]),
        (r"\frac{a \quad b}{c} \quad x", [r"\frac{a \quad b}{c}", "x"]),  # inside a group: a space
        (r"\{a \quad b\}", [r"\{a", r"b\}"]),  # \{ \} are drawn braces, not a group
        (r"\quadratic + x", [r"\quadratic + x"]),  # a longer command, not \quad
        (r"c_t = f_t\, c_{t-1}", [r"c_t = f_t\, c_{t-1}"]),
    ],
)
def test_display_formulas_are_cut_between_equations(latex: str, parts: list[str]) -> None:
    assert display_parts(latex) == parts


def test_each_equation_of_a_display_formula_is_a_block_of_its_own() -> None:
    html = statement_html("$$a = 1,\\quad b = 2$$")
    assert html.count('<span class="math-block"><math') == 2 and html.count('display="block"') == 2
