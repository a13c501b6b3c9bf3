"""`audit.accept`: a reviewed warning passes `grade check --strict`, is still listed with its reason,
and an accept that matches no warning any more is a warning itself."""

from __future__ import annotations

from grader.cli.commands.check import EXIT_STRICT_AUDIT_FAILED
from grader.errors import EXIT_OK
from tests.conftest import PROBLEMS, SEED_SPEC

# The seed's inputs [1, 1, 0, 1, 1]: h_2 = 0.5 exactly (`boundary`), which the tie rule decides
# (`semantics:ties_away_from_zero`, `semantics:ties_up`), and carrying it unrounded changes h_3
# and h_4 (`semantics:carry_exact`). The default reveal (`positions`) with unlimited attempts adds
# `reveal:positions`.
SEED_WARNINGS = (
    "semantics:carry_exact",
    "semantics:ties_away_from_zero",
    "semantics:ties_up",
    "boundary",
    "reveal:positions",
)


def accepting(*ids: str) -> str:
    entries = "".join(f"    - {{id: '{id}', reason: reviewed {id}}}\n" for id in ids)
    return f"audit:\n  accept:\n{entries}"


def test_the_shipped_course_passes_its_own_strict_check(grade):
    run = grade("check", "--strict", PROBLEMS)
    assert run.code == EXIT_OK
    assert run.out.splitlines()[-1] == "3 problems valid; 9 warnings accepted with a reason"


def test_the_shipped_warnings_are_real_without_their_accepts(grade, write_spec):
    for name, count in (("lstm-states-1", 4), ("lstm-states-2", 5)):
        text = (PROBLEMS / f"{name}.yaml").read_text(encoding="utf-8")
        run = grade("check", "--strict", write_spec(text.split("\naudit:\n")[0] + "\n", f"{name}.yaml"))
        assert run.code == EXIT_STRICT_AUDIT_FAILED
        assert run.out.splitlines()[-1].startswith(f"1 problem valid; {count} warnings in 1 problem")


def test_accepting_every_warning_passes_strict_and_lists_each_with_its_reason(grade, write_spec):
    run = grade("check", "--strict", write_spec(SEED_SPEC + accepting(*SEED_WARNINGS)))
    assert run.code == EXIT_OK
    lines = run.out.splitlines()
    assert lines[0].startswith("ok       states")
    for id in SEED_WARNINGS:
        at = next(i for i, line in enumerate(lines) if line.startswith(f"  accepted [{id}]: "))
        assert f"    reason: reviewed {id}" in lines[at + 1 : at + 5]
    assert not any(line.startswith("  warning") for line in lines)
    assert lines[-1] == "1 problem valid; 5 warnings accepted with a reason"


def test_a_warning_not_accepted_still_fails_strict(grade, write_spec):
    run = grade("check", "--strict", write_spec(SEED_SPEC + accepting(*SEED_WARNINGS[1:])))
    assert run.code == EXIT_STRICT_AUDIT_FAILED
    assert [line for line in run.out.splitlines() if line.startswith("  warning")] == [
        "  warning [semantics:carry_exact]: under carry: exact (step t+1 sees the unrounded h_t), "
        "the answer changes at h_3 and h_4"
    ]
    assert run.out.splitlines()[-1] == (
        "1 problem valid; 1 warning in 1 problem (`--strict` makes them fail); "
        "4 warnings accepted with a reason"
    )


def test_an_accept_that_matches_no_warning_is_reported_and_fails_strict(grade, write_spec):
    # inputs [1, 1, 1, 1] never tie, so only reveal:positions is left of the seed's warnings
    text = SEED_SPEC.replace("inputs: [1, 1, 0, 1, 1]", "inputs: [1, 1, 1, 1]")
    path = write_spec(text + accepting("reveal:positions", "boundary"))
    run = grade("check", "--strict", path)
    assert run.code == EXIT_STRICT_AUDIT_FAILED
    assert [line for line in run.out.splitlines() if line.startswith("  warning")] == [
        f"  warning [audit.accept]: {path}:23: 'boundary' is accepted, but the audit no longer gives "
        "that warning; remove the entry"
    ]


def test_without_strict_warnings_and_stale_accepts_do_not_fail(grade, write_spec):
    text = SEED_SPEC.replace("inputs: [1, 1, 0, 1, 1]", "inputs: [1, 1, 1, 1]")
    assert grade("check", write_spec(text + accepting("boundary"))).code == EXIT_OK
