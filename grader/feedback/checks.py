"""`grade check` as a library function: audit every sequence key, verify every property-based choice key.

Audit findings are warnings (a course decides whether they fail its CI with `--strict`), each
with a stable id; a spec's `audit.accept` accepts a reviewed one with a reason, which is printed
beside it, and an accept that matches no warning is itself a warning, so stale accepts do not pile
up. A choice key that the simulation contradicts, or a property-based choice that cannot be
simulated, is a spec error (SpecError, naming file, line and field).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.compare.answers import entries_for
from grader.compare.entries import joined
from grader.documents import DocumentError, load_file
from grader.engine.keys import answer_symbol, describe_key
from grader.errors import SpecError
from grader.feedback.audit import (
    BOUNDARY_DISTANCE,
    TYPED_DECIMALS,
    Finding,
    NearBoundary,
    ProblemAudit,
    RevealRisk,
    SemanticsChange,
    UntypableKey,
    audit_problem,
)
from grader.feedback.explain import format_value
from grader.feedback.mistakes import names
from grader.feedback.properties import (
    MAX_SIMULATED_SEQUENCES,
    PROPERTIES,
    ChoiceVerification,
    verify_choices,
)
from grader.spec.loader import COURSE_FILE, ProblemSet, load_problem
from grader.spec.models import AcceptedWarning, ChoiceAnswer, Problem, SequenceAnswer

__all__ = ["ProblemCheck", "StaleAccept", "check_problems", "render_checks"]


@dataclass(frozen=True)
class StaleAccept:
    """An `audit.accept` entry that matches no warning: the problem changed since it was reviewed."""

    accepted: AcceptedWarning
    #: where the entry's id is written, for the report
    line: int | None


@dataclass(frozen=True)
class ProblemCheck:
    """What `grade check` found for one valid problem."""

    problem: str
    source: str
    audit: ProblemAudit | None = None
    choices: ChoiceVerification | None = None
    #: the spec's accepted warnings, by id
    accepted: dict[str, AcceptedWarning] = field(default_factory=dict)
    stale: tuple[StaleAccept, ...] = ()

    @property
    def open_findings(self) -> tuple[Finding, ...]:
        """Findings no `audit.accept` entry accepts."""
        found = () if self.audit is None else self.audit.findings
        return tuple(finding for finding in found if finding.id not in self.accepted)

    @property
    def accepted_findings(self) -> tuple[Finding, ...]:
        found = () if self.audit is None else self.audit.findings
        return tuple(finding for finding in found if finding.id in self.accepted)

    @property
    def warnings(self) -> int:
        """What fails `--strict`: findings not accepted, and accepts that match no finding."""
        return len(self.open_findings) + len(self.stale)


def _line(source: Path | None, path: tuple[str | int, ...]) -> int | None:
    if source is None:
        return None
    try:
        return load_file(source).line_of(path)
    except DocumentError:
        return None


def _spec_error(source: Path | None, path: tuple[str | int, ...], message: str) -> SpecError:
    field = ""
    for part in path:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else part)
    return SpecError(message, file=source, line=_line(source, path), field=field)


def _sibling(problem_id: str, source: Path) -> Problem | None:
    """The problem `problem_id` among the specs beside `source`, for a spec checked on its own."""
    for path in sorted(source.parent.glob("*.y*ml")):
        if path == source or path.name == COURSE_FILE or path.suffix not in (".yaml", ".yml"):
            continue
        try:
            document = load_file(path)
        except DocumentError:
            continue
        if isinstance(document.data, dict) and document.data.get("id") == problem_id:
            return load_problem(path)
    return None


def _verify(problem: Problem, problems: ProblemSet) -> ChoiceVerification | None:
    answer = problem.answer
    assert isinstance(answer, ChoiceAnswer)
    source = problems.sources.get(problem.id)
    named = [i for i, choice in enumerate(answer.choices) if choice.property is not None]
    if answer.check is None:
        if named:
            raise _spec_error(
                source,
                ("answer", "choices", named[0], "property"),
                "a choice names a property, but `answer.check` does not say which model to simulate",
            )
        return None
    check = answer.check
    model_problem = problems.problems.get(check.model)
    if model_problem is None and source is not None:
        model_problem = _sibling(check.model, source)
    if model_problem is None or model_problem.model is None:
        known = ", ".join(p.id for p in problems if p.model is not None) or "none"
        raise _spec_error(
            source,
            ("answer", "check", "model"),
            f"{check.model!r} is not a problem with a model among the loaded problems or the specs "
            f"beside this one (loaded: {known})",
        )
    if model_problem.model.input_size != 1:
        raise _spec_error(
            source,
            ("answer", "check", "model"),
            f"{check.model!r} takes vector inputs; properties are of number sequences",
        )
    for index, choice in enumerate(answer.choices):
        if choice.property is None:
            raise _spec_error(
                source,
                ("answer", "choices", index),
                f"choice {choice.id!r} names no `property`; with `answer.check` every choice needs one of "
                + ", ".join(PROPERTIES),
            )
        if choice.property not in PROPERTIES:
            raise _spec_error(
                source,
                ("answer", "choices", index, "property"),
                f"unknown property {choice.property!r}; expected one of " + ", ".join(PROPERTIES),
            )
    count = len(check.alphabet) ** check.max_length
    if count > MAX_SIMULATED_SEQUENCES:
        raise _spec_error(
            source,
            ("answer", "check", "max_length"),
            f"{len(check.alphabet)}^{check.max_length} = {count} sequences to simulate; at most "
            f"{MAX_SIMULATED_SEQUENCES} (lower max_length)",
        )
    verification = verify_choices(problem, model_problem)
    for index, verdict in enumerate(verification.verdicts):
        if verdict.agrees:
            continue
        prop = PROPERTIES[verdict.property_name].description
        if verdict.marked_correct:
            message = (
                f"choice {verdict.choice!r} is marked correct, but h_t of {check.model!r} does not "
                f"determine the {prop}: {verdict.witness}"
            )
        else:
            mapping = ", ".join(f"h_t = {state}: {value}" for state, value in verdict.mapping)
            message = (
                f"choice {verdict.choice!r} is not marked correct, but h_t of {check.model!r} determines "
                f"the {prop} on all {verification.sequences} sequences of length {verification.max_length} "
                f"and their prefixes ({mapping})"
            )
        raise _spec_error(source, ("answer", "choices", index, "correct"), message)
    return verification


def check_problems(problems: ProblemSet) -> list[ProblemCheck]:
    """Audit every problem and verify every property-based choice key, in load order."""
    checks = []
    for problem in problems:
        path = problems.sources.get(problem.id)
        source = str(path or "")
        audit = audit_problem(problem)
        choices = None if isinstance(problem.answer, SequenceAnswer) else _verify(problem, problems)
        found = {finding.id for finding in audit.findings}
        checks.append(
            ProblemCheck(
                problem.id,
                source,
                audit=audit,
                choices=choices,
                accepted={accepted.id: accepted for accepted in problem.audit.accept},
                stale=tuple(
                    StaleAccept(accepted, _line(path, ("audit", "accept", index, "id")))
                    for index, accepted in enumerate(problem.audit.accept)
                    if accepted.id not in found
                ),
            )
        )
    return checks


def _named(problem: Problem, shape: tuple[int, ...], positions: tuple[int, ...]) -> list[str]:
    """Each position's name, in the answer's own terms: `h_3`, `row 2, column 1 of ∂L/∂W_1`;
    `shape` is the key's."""
    entries = entries_for(problem, shape) if shape else None
    if entries is None:
        return [names(answer_symbol(problem), (p,)) for p in positions]
    return [entries.name(p) for p in positions]


def _finding_lines(problem: Problem, finding: Finding, status: str) -> list[str]:
    """One finding as `grade check` prints it: `  warning [id]: …` and its detail lines."""
    head = f"  {status} [{finding.id}]: "
    if isinstance(finding, SemanticsChange):
        where = f" for {finding.inputs_label}" if finding.inputs_label else ""
        width = max(len("as specified"), len(finding.neighbour.name))
        entries = entries_for(problem, finding.key.shape)
        changed = (
            names(answer_symbol(problem), finding.positions)
            if entries is None
            else entries.names(finding.positions)
        )
        return [
            f"{head}under {finding.neighbour.description}, the answer{where} changes at {changed}",
            f"    {'as specified'.ljust(width)}  {describe_key(finding.key)}",
            f"    {finding.neighbour.name.ljust(width)}  {describe_key(finding.alternative)}",
        ]
    if isinstance(finding, UntypableKey):
        where = f" for {finding.inputs_label}" if finding.inputs_label else ""
        named = _named(problem, finding.shape, finding.positions)
        shown = [f"{name} = {format_value(value)}" for name, value in zip(named, finding.values, strict=True)]
        listed = joined(shown) if len(shown) <= 3 else ", ".join(shown[:2]) + f" and {len(shown) - 2} more"
        others = finding.sequences - 1
        more = f" (and for {others} more input sequence{'s' if others > 1 else ''})" if others else ""
        verb = "needs" if len(shown) == 1 else "need"
        return [
            f"{head}a key cannot be typed: {listed}{where}{more} {verb} more than {TYPED_DECIMALS} "
            "decimals, and with no rounding the default tolerance (1e-6) accepts no shorter value",
            f"    instead: {finding.advice}",
        ]
    if isinstance(finding, NearBoundary):
        where = f" for {finding.inputs_label}" if finding.inputs_label else ""
        values = ", ".join(
            f"{name} = {format_value(v)}"
            for name, v in zip(_named(problem, finding.shape, finding.positions), finding.values, strict=True)
        )
        semantics = "" if finding.semantics == "as specified" else f" under {finding.semantics}"
        return [
            f"{head}{values} before rounding{semantics}{where} is within {BOUNDARY_DISTANCE:g} "
            "of a rounding boundary"
        ]
    assert isinstance(finding, RevealRisk)
    return [f"{head}{finding.explanation}", f"    instead: {finding.advice}"]


def _audit_lines(problem: Problem, check: ProblemCheck) -> list[str]:
    assert check.audit is not None
    lines = []
    for finding in check.audit.findings:
        accepted = check.accepted.get(finding.id)
        lines.extend(_finding_lines(problem, finding, "warning" if accepted is None else "accepted"))
        if accepted is not None:
            lines.append(f"    reason: {' '.join(accepted.reason.split())}")
    for stale in check.stale:
        where = f"{check.source}:{stale.line}: " if stale.line is not None and check.source else ""
        lines.append(
            f"  warning [audit.accept]: {where}{stale.accepted.id!r} is accepted, but the audit no "
            "longer gives that warning; remove the entry"
        )
    lines.extend(f"  note: {note}" for note in check.audit.notes)
    return lines


def _choice_lines(verification: ChoiceVerification) -> list[str]:
    lines = [
        f"  key verified by simulating {verification.model_problem} on all {verification.sequences} input "
        f"sequences of length {verification.max_length} (and their prefixes):"
    ]
    for verdict in verification.verdicts:
        prop = PROPERTIES[verdict.property_name].description
        if verdict.determined:
            mapping = ", ".join(f"{state} → {value}" for state, value in verdict.mapping)
            lines.append(f"    {verdict.choice}  correct      h_t determines the {prop} (h_t {mapping})")
        else:
            lines.append(
                f"    {verdict.choice}  not correct  h_t does not determine the {prop}: {verdict.witness}"
            )
    return lines


def render_checks(problems: ProblemSet, checks: list[ProblemCheck]) -> str:
    """The report `grade check` prints: one block per problem, then a summary line."""
    lines = []
    for check in checks:
        problem = problems[check.problem]
        status = "warning" if check.warnings else "ok"
        lines.append(f"{status:<7}  {check.problem}  ({check.source})")
        if check.audit is not None:
            lines.extend(_audit_lines(problem, check))
        if check.choices is not None:
            lines.extend(_choice_lines(check.choices))
    warned = [c for c in checks if c.warnings]
    total = sum(c.warnings for c in checks)
    summary = f"{len(checks)} problem{'s' if len(checks) != 1 else ''} valid"
    if warned:
        summary += (
            f"; {total} warning{'s' if total != 1 else ''} in {len(warned)} "
            f"problem{'s' if len(warned) != 1 else ''} (`--strict` makes them fail)"
        )
    accepted = sum(len(c.accepted_findings) for c in checks)
    if accepted:
        summary += f"; {accepted} warning{'s' if accepted != 1 else ''} accepted with a reason"
    lines.append(summary)
    return "\n".join(lines) + "\n"
