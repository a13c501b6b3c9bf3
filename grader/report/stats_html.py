"""Item statistics as one self-contained HTML page, with charts drawn by matplotlib.

Everything is in the one file: the styles, and each chart as inline SVG whose text matplotlib
draws as paths (no font to fetch); no script, no network. Charts scale to the page's width, so
the page reads on a phone without scrolling sideways. matplotlib is the `report` extra: it is
imported here, when a page is asked for, and its absence is a UsageError naming the extra.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from grader.compare.results import Status
from grader.engine.keys import format_number
from grader.errors import UsageError
from grader.report.stats import ClassStatistics, ProblemStatistics, VariantStatistics
from grader.report.stats_formats import number_text, share_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "CONTENT_STYLE", "STYLE", "ChartMode", "matplotlib_missing", "render_stats_body", "render_stats_html",
]

#: Bar colours by status: readable by the colour-blind (Okabe–Ito) and on white.
_COLOURS = {
    Status.CORRECT: "#009E73",
    Status.PARTIAL: "#E69F00",
    Status.INCORRECT: "#D55E00",
    Status.INVALID: "#999999",
    Status.MISSING: "#999999",
}
_NEUTRAL = "#0072B2"
#: Answers longer than this are shortened in chart labels (the table below shows them whole).
_LABEL_CHARACTERS = 28

#: The styles of the statistics themselves: what the service's staff page links to as well.
CONTENT_STYLE = """\
.stats h2{font-size:1.2rem;margin-top:2rem;border-top:1px solid #ccc;padding-top:1rem}
.stats dl.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.5rem;margin:0}
.stats dl.figures div{background:#f4f4f4;padding:.4rem .6rem;border-radius:.3rem}
.stats dt{font-size:.8rem;color:#555}.stats dd{margin:0;font-weight:600}
.stats .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem}
.stats figure{margin:0}.stats figure svg,.stats figure img{width:100%;height:auto;display:block}
.stats figcaption{font-size:.85rem;color:#555}
.stats table{border-collapse:collapse;width:100%;font-size:.9rem}
.stats th,.stats td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #ddd;vertical-align:top}
.stats td.answer{font-family:ui-monospace,monospace;overflow-wrap:anywhere}
.stats th.count,.stats td.count{text-align:right}
.stats .warning{background:#fff3cd;border-left:.3rem solid #e69f00;padding:.5rem .8rem}
"""
#: The stand-alone page's styles: the page itself, then the statistics'.
STYLE = """\
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;line-height:1.4;
color:#222;overflow-wrap:break-word}
h1{font-size:1.4rem}
""" + CONTENT_STYLE

#: How charts go into the page: inline SVG (a file of its own), an <img> of a data: URL (a page
#: whose Content-Security-Policy forbids inline styles, which matplotlib's SVG is full of: an
#: image is a document of its own, outside the page's policy), or none (no matplotlib).
ChartMode = Literal["inline", "image", "none"]


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError as error:
        raise UsageError(
            f"--format html needs the report extra (matplotlib): pip install 'grader[report]' ({error})"
        ) from None
    return matplotlib


def _svg(figure: Figure, prefix: str) -> str:
    """The figure as inline SVG scaled to its container: text as paths, no size, no date, and
    its ids (glyphs, clip paths) prefixed so that the page's charts never share one."""
    matplotlib = _matplotlib()
    buffer = io.StringIO()
    # paths rather than <text>: no font is fetched or needed; a fixed salt keeps ids stable
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "grader-stats"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.DOTALL)  # who drew it
    # the page sizes the chart (CSS width 100%); the fixed size in points would overflow a phone
    text = re.sub(r'( id="|href="#|url\(#)', rf"\g<1>{prefix}-", text)
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)


def _figure(height: float) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4.2, height), dpi=72)
    figure.set_layout_engine("constrained")
    return figure


def _bars(
    title: str, labels: list[str], counts: list[int], colours: list[str], horizontal: bool, prefix: str
) -> str:
    matplotlib = _matplotlib()
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context({"text.parse_math": False, "font.size": 10}):  # answers are typed text
        figure = _figure(max(2.2, 0.32 * len(labels) + 0.9) if horizontal else 2.4)
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        if horizontal:
            axes.barh(positions, counts, color=colours)
            axes.set_yticks(positions, labels)
            axes.invert_yaxis()
            axes.set_xlabel("attempts")
        else:
            axes.bar(positions, counts, color=colours)
            axes.set_xticks(positions, labels)
            axes.set_ylabel("students")
        # counts of students and attempts: whole numbers on the axis, never 0.5 of an attempt
        (axes.xaxis if horizontal else axes.yaxis).set_major_locator(MaxNLocator(integer=True))
        axes.set_title(title, fontsize=10)
        axes.spines[["top", "right"]].set_visible(False)
        return _svg(figure, prefix)


def matplotlib_missing() -> str | None:
    """Why charts cannot be drawn (the report extra is not installed), or None when they can."""
    try:
        _matplotlib()
    except UsageError as error:
        return str(error)
    return None


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_CHARACTERS else text[: _LABEL_CHARACTERS - 1] + "…"


def _charts(entry: VariantStatistics, ids: Iterator[int]) -> list[tuple[str, str]]:
    """(caption, svg) of the score distribution, the attempts used and the top answers."""
    charts = []
    for title, caption, counts in (
        ("Scores", "Counted scores of the students who attempted", entry.score_distribution),
        ("Attempts used", "Attempts used (readable, accepted)", entry.attempts_used),
    ):
        if counts:
            colours = [_NEUTRAL] * len(counts)
            svg = _bars(title, list(counts), list(counts.values()), colours, False, f"c{next(ids)}")
            charts.append((caption, svg))
    if entry.answers:
        charts.append(
            (
                "Most common answers, by status (green correct, orange partial, red incorrect, grey invalid)",
                _bars(
                    "Top answers",
                    [_short(answer.answer) for answer in entry.answers],
                    [answer.count for answer in entry.answers],
                    [_COLOURS[answer.status] for answer in entry.answers],
                    True,
                    f"c{next(ids)}",
                ),
            )
        )
    return charts


def _figures(entry: VariantStatistics, max_score: float) -> str:
    time = entry.time_to_correct
    items = [
        ("students", str(entry.students)),
        ("attempted", str(entry.attempted)),
        ("mean score", f"{number_text(entry.mean_score)} / {format_number(max_score)}"),
        ("facility", number_text(entry.facility)),
        ("first attempt correct", share_text(entry.first_attempt_correct)),
        ("eventually correct", share_text(entry.eventually_correct)),
        ("point-biserial", number_text(entry.discrimination.point_biserial)),
        ("upper − lower 27 %", number_text(entry.discrimination.upper_lower)),
        ("wrong answers explained", share_text(entry.explained_by_mistakes)),
        ("to a correct attempt", "–" if time is None else f"median {number_text(time.median_seconds, 0)} s"),
    ]
    cells = "".join(
        f"<div><dt>{html.escape(name)}</dt><dd>{html.escape(value)}</dd></div>" for name, value in items
    )
    return f'<dl class="figures">{cells}</dl>'


def _answers_table(entry: VariantStatistics) -> str:
    if not entry.answers:
        return ""
    rows = "".join(
        f'<tr><td class="count">{answer.count}</td><td class="answer">{html.escape(answer.answer)}</td>'
        f"<td>{answer.status.value} {format_number(answer.score)}</td>"
        f"<td>{html.escape(answer.mistake or '')}</td></tr>"
        for answer in entry.answers
    )
    return (
        '<table><thead><tr><th class="count">count</th><th class="answer">answer</th>'
        f"<th>status</th><th>mistake</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _chart(caption: str, svg: str, mode: ChartMode) -> str:
    if mode == "image":
        url = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
        shown = f'<img src="{url}" alt="{html.escape(caption)}">'
    else:
        shown = svg
    return f"<figure>{shown}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _section(entry: VariantStatistics, max_score: float, ids: Iterator[int], mode: ChartMode) -> str:
    parts = [_figures(entry, max_score)]
    if entry.bad_key is not None:
        parts.append(f'<p class="warning">Suspect key: {html.escape(entry.bad_key.hint)}</p>')
    if entry.mistakes:
        named = ", ".join(f"{html.escape(name)} {share_text(part)}" for name, part in entry.mistakes.items())
        parts.append(f"<p>Wrong attempts by catalogued mistake: {named}.</p>")
    if mode != "none":
        charts = "".join(_chart(caption, svg, mode) for caption, svg in _charts(entry, ids))
        parts.append(f'<div class="charts">{charts}</div>')
    parts.append(_answers_table(entry))
    return "".join(parts)


def _problem(entry: ProblemStatistics, ids: Iterator[int], mode: ChartMode) -> str:
    # variants get figures and answers without charts: a problem drawn from 0/1 inputs has dozens
    # of variants, and a chart each would make the page long and slow to draw
    title = f'<h2 id="{html.escape(entry.problem)}">{html.escape(entry.problem)}</h2>'
    variants = "".join(
        f"<details><summary>variant {html.escape(variant)} ({figures.students} students)</summary>"
        f"{_section(figures, entry.max_score, ids, 'none')}</details>"
        for variant, figures in entry.variants.items()
    )
    return f"<section>{title}{_section(entry, entry.max_score, ids, mode)}{variants}</section>"


def render_stats_body(stats: ClassStatistics, charts: ChartMode = "inline") -> str:
    """The page's content (no <html>, no styles): what the service's staff page embeds."""
    if charts != "none":
        _matplotlib()  # the extra is checked before any work
    plural = "s" if stats.students != 1 else ""
    summary = f"<p>{stats.students} student{plural}; formulas in docs/stats.md.</p>"
    ids = itertools.count(1)  # each chart's id prefix, unique in the page
    problems = "".join(_problem(entry, ids, charts) for entry in stats.problems)
    return f'<div class="stats">{summary}{problems}</div>'


def render_stats_html(stats: ClassStatistics, title: str = "Item statistics") -> str:
    """One self-contained page: styles inline, charts as inline SVG, no script, nothing fetched."""
    body = render_stats_body(stats)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>\n"
    )
