"""A JSONL class graded column by column (`grading.columnar`) writes exactly the CSV gradebook of
the general path, whatever the lines hold; what it cannot read the general way reads instead."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.engine import keycache
from grader.engine.variants import uniform_picks
from grader.grading import ClassGrader, columnar
from grader.grading.columnar import _picks, columnar_gradebook, columnar_report
from grader.report.formats import render_json
from grader.report.gradebook import render_csv_rows
from grader.spec.loader import COURSE_FILE, load_problems
from grader.submissions.formats import read_submissions
from grader.submissions.scan import scan_jsonl
from tests.conftest import PROBLEMS, varying_course

NOW = datetime(2023, 3, 29, 12, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parent.parent

#: Lines of the common form (plain values: strings, flat lists, numbers; any subset of problems).
COMMON = [
    '{"student": "ana", "answers": {"lstm-states-1": "[0, 0, 1, -1, 1, 0]", "lstm-info": ["c"]}}',
    '{"student": "ben", "answers": {"lstm-states-2": [1, -1, 0, 1, -1]}}',
    '{"student":"cy","answers":{"lstm-states-2":"1, -1, 0, 0, 1","lstm-info":"c, d"}}',
    '{"student": "dee", "answers": {}}',
    '{"student": "eve", "answers": {"lstm-states-1": "[0, 0, 1,, 1]"}}',
    '{"student": "-fay", "answers": {"lstm-states-1": 3, "lstm-info": "e"}}',
    '{"student": "gus hal", "answers": {"lstm-states-1": [0, 0, 1, 1, 1, 0], "lstm-states-2": "",'
    ' "lstm-info": []}}',
    '{"student": "=ida", "answers": {"lstm-states-2": -1.5e0}}',
]
#: Lines the scanner does not take, each for a reason of its own.
ODD = [
    '{"student": "ana", "answers": {"lstm-info": "c"}}',  # a returning student
    '{"student": "jo", "answers": {"lstm-states-2": [{"answer": "[1, -1, 0, 1, -1]", '
    '"at": "2023-03-20T10:00:00+00:00"}]}}',  # an attempt list
    '{"student": "kim", "answers": {"no-such-problem": "1", "lstm-info": "c"}}',  # unknown problem
    '{"student": "l\\u00e9a", "answers": {"lstm-info": "c"}}',  # an escaped id
    '{"student": "mé", "answers": {"lstm-info": "c"}}',  # a non-ASCII id
    '{"student": "ned", "answers": {"lstm-info": "c", "lstm-info": "b"}}',  # a duplicate key
    '{"student": "ola", "answers": {"lstm-states-2": [NaN, 1, 0, 1, 1]}}',  # NaN
    '{"student": "pat", "answers": {"lstm-states-1": [1,,0]}}',  # a list that is not JSON
    '{"student": "quin", "answers": {"lstm-states-1": ' + "[" * 70 + "1" + "]" * 70 + "}}",  # deep
    '{"student": " rae ", "answers": {"lstm-info": "c"}}',  # an id to strip
    '{"student":"sue ","answers":{"lstm-info":"c"}}',  # an id to strip at its end
    '{"student": 42, "answers": {"lstm-info": "b"}}',  # a number as id
    '{"student": "sam", "problem": "lstm-info", "answer": "c"}',  # the one-attempt form
    '{"student": "tess", "answers": {"lstm-info": "c"}}\r',  # CRLF
    '{"student": "uma", "answers": {"lstm-info": null}}',  # null
    '{"student": "vic,tor", "answers": {"lstm-info": "c"}}',  # a comma: a quoted CSV name
    '{"student": "wes", "answers": {"lstm-info": "c", "lstm-states-1": 3}}',  # another order
    "",  # a blank line
    "{not json",  # invalid JSON
]


def general_csv(problems_dir: Path, path: Path) -> str:
    """The gradebook as the general path writes it (blocks, ClassGrader, render_csv_rows)."""
    problems = load_problems(problems_dir)
    grader = ClassGrader(problems, now=NOW)
    grader.add(read_submissions(path, blocks=True))
    return render_csv_rows(problems.ids, grader.gradebook_rows())


def general_json(problems_dir: Path, path: Path) -> str:
    """The JSON report as the general path writes it (blocks, ClassGrader, render_json)."""
    grader = ClassGrader(load_problems(problems_dir), now=NOW)
    grader.add(read_submissions(path, blocks=True))
    return render_json(grader.report())


@pytest.fixture(scope="module")
def courses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    varying = varying_course(tmp_path_factory.mktemp("varying") / "problems")
    return {"fixed": PROBLEMS, "varying": varying}


@pytest.mark.parametrize("course", ["fixed", "varying"])
@pytest.mark.parametrize("chunk", [1, 3, 4096])
def test_common_lines_are_graded_in_columns_as_the_general_path_grades_them(
    courses, tmp_path, monkeypatch, course, chunk
):
    monkeypatch.setattr(columnar, "_JSON_CHUNK", chunk)
    path = tmp_path / "class.jsonl"
    path.write_text("".join(line + "\n" for line in COMMON))
    graded = columnar_gradebook(courses[course], path, now=NOW)
    assert graded is not None
    assert graded == (general_csv(courses[course], path).encode(), len(COMMON))
    # the second run reads its table: the same text
    assert columnar_gradebook(courses[course], path, now=NOW) == graded
    for _ in range(2):  # answers graded, then from the table
        report = columnar_report(courses[course], path, now=NOW)
        assert report is not None
        assert (b"".join(report[0]), report[1]) == (general_json(courses[course], path).encode(), len(COMMON))


@pytest.mark.parametrize("now", ["2023-03-01T00:00:00+00:00", "2030-01-01T00:00:00+00:00"])
def test_a_due_date_passed_or_not_grades_as_the_general_path(tmp_path, grade, now):
    problems = tmp_path / "problems"
    varying_course(problems)
    for name in ("lstm-states-1", "lstm-states-2"):  # their feedback escalates after the due date
        spec = problems / f"{name}.yaml"
        text = spec.read_text()
        assert "\ndue:" not in text and "after_due: solution" in text
        spec.write_text(text + "due: 2023-03-15T12:00:00+00:00\n")
    path = tmp_path / "class.jsonl"
    path.write_text("".join(line + "\n" for line in COMMON))
    moment = datetime.fromisoformat(now)
    for fmt in ("csv", "json"):
        out = tmp_path / f"out.{fmt}"
        for _ in range(2):
            assert (
                grade(path, "--problems", problems, "--format", fmt, "-o", out, "-q", "--now", now).code == 0
            )
            reference = ClassGrader(load_problems(problems), now=moment)
            reference.add(read_submissions(path, blocks=True))
            expected = (
                render_csv_rows(reference.problems.ids, reference.gradebook_rows())
                if fmt == "csv"
                else render_json(reference.report())
            )
            assert out.read_text() == expected


@pytest.mark.parametrize("odd", ODD)
def test_a_file_with_an_odd_line_goes_the_general_way(courses, tmp_path, odd):
    path = tmp_path / "class.jsonl"
    path.write_text("".join(line + "\n" for line in [*COMMON[:3], odd, *COMMON[3:]]))
    assert columnar_gradebook(courses["fixed"], path, now=NOW) is None


@pytest.mark.parametrize(
    "text",
    [
        "\ufeff" + COMMON[0] + "\n",  # a byte order mark
        COMMON[0] + "\n" + COMMON[1],  # no newline at the end: still common
        COMMON[0] + "\n" + COMMON[1][:-5],  # a truncated last line
        "",  # an empty file
    ],
)
def test_edges_of_a_file_grade_as_the_general_path(courses, tmp_path, grade, text):
    path = tmp_path / "class.jsonl"
    path.write_bytes(text.encode())
    out = tmp_path / "gradebook.csv"
    grade(path, "--problems", courses["fixed"], "--format", "csv", "-o", out, "-q", "--now", NOW.isoformat())
    assert out.read_text() == general_csv(courses["fixed"], path)


LINE = st.sampled_from(COMMON + ODD)


def numbered(lines: list[str]) -> list[str]:
    """Each common line with an id of its own (its position first), so that none returns."""
    return [
        re.sub(r'("student": ?")', rf"\g<1>{number}", line, count=1) if line in COMMON else line
        for number, line in enumerate(lines)
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(LINE, max_size=20),
    distinct=st.booleans(),
    course=st.sampled_from(["fixed", "varying"]),
    parallel=st.booleans(),
)
def test_any_mix_of_lines_gives_the_general_paths_gradebook(
    courses, tmp_path, grade, monkeypatch, lines, distinct, course, parallel
):
    if distinct:
        lines = numbered(lines)
    monkeypatch.setattr(columnar, "MIN_PARALLEL_BYTES", 0)  # two processes for any file
    path = tmp_path / "class.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    out = tmp_path / "gradebook.csv"
    argv = [path, "--problems", courses[course], "--format", "csv", "-o", out, "-q", "--now", NOW.isoformat()]
    if not parallel:
        argv.append("--no-parallel")
    expected = general_csv(courses[course], path)
    for _ in range(2):  # answers graded, then from the table (in two processes when parallel)
        code = grade(*argv)
        assert out.read_text() == expected
        assert code.code in (0, 1)
    argv[argv.index("csv")] = "json"
    code = grade(*argv)
    assert out.read_text() == general_json(courses[course], path)
    if distinct and lines and all(line not in ODD for line in lines):
        assert columnar_gradebook(courses[course], path, now=NOW) is not None  # the columnar path


@settings(max_examples=40, deadline=None)
@given(
    students=st.lists(st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1), max_size=30),
    count=st.integers(1, 6),
    choices=st.sampled_from([1, 2, 3, 4, 5, 7, 8, 256, 300]),
)
def test_picks_are_the_pinned_derivations(students, count, choices):
    prefix = b"grader-variant-v1\0salt\0problem\0"
    expected = uniform_picks("salt", "problem", students, count, choices)
    got = list(_picks(prefix, [s.encode() for s in students], count, choices))
    if choices <= 256:
        assert [list(picks) for picks in got] == expected.tolist()
    else:
        words = [
            [int.from_bytes(picks[i : i + 4], "little") for i in range(0, len(picks), 4)] for picks in got
        ]
        assert words == expected.tolist()


def test_the_scanner_keeps_each_lines_raw_answers_in_problem_order(tmp_path):
    path = tmp_path / "class.jsonl"
    path.write_text(
        '{"student": "a", "answers": {"q2": [1, 2], "q1": "x"}}\n{"student": "b", "answers": {}}\n'
    )
    scanned = scan_jsonl(path, ["q1", "q2"])
    assert scanned is not None
    assert scanned.students == (b"a", b"b")
    assert scanned.answers == [(b'"x"', b""), (b"[1, 2]", b"")]


def test_a_warm_run_imports_neither_numpy_nor_pydantic(courses, tmp_path):
    path = tmp_path / "class.jsonl"
    path.write_text("".join(line + "\n" for line in COMMON))
    out = tmp_path / "gradebook.csv"
    env = {**os.environ, "GRADER_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    script = (
        "import sys; from grader.cli.main import main; code = main(sys.argv[1:]); "
        "print(code, 'numpy' in sys.modules, 'pydantic' in sys.modules)"
    )
    argv = [
        sys.executable,
        "-c",
        script,
        str(path),
        "--problems",
        str(courses["varying"]),
        "--format",
        "csv",
        "-o",
        str(out),
        "-q",
        "--now",
        NOW.isoformat(),
    ]
    cold = subprocess.run(argv, capture_output=True, text=True, env=env, check=True).stdout.split()
    warm = subprocess.run(argv, capture_output=True, text=True, env=env, check=True).stdout.split()
    assert cold == ["0", "True", "True"]
    assert warm == ["0", "False", "False"]
    assert out.read_text() == general_csv(courses["varying"], path)


@pytest.mark.parametrize("split", [0, 1, 2, 3])
def test_two_processes_write_the_gradebook_of_one(courses, tmp_path, monkeypatch, split):
    monkeypatch.setattr(columnar, "MIN_PARALLEL_BYTES", 0)
    path = tmp_path / "class.jsonl"
    lines = numbered(COMMON * 3)
    if split:  # a student in both halves, or an odd line in the second
        lines[-split] = [lines[0], ODD[1], COMMON[2].replace("cy", "zed")][split - 1]
    path.write_text("".join(line + "\n" for line in lines))
    one = columnar_gradebook(courses["varying"], path, now=NOW, parallel=False)
    two = columnar_gradebook(courses["varying"], path, now=NOW, parallel=True)
    assert one == two
    if split in (0, 3):
        assert two is not None and two[0] == general_csv(courses["varying"], path).encode()
    else:
        assert two is None


@pytest.mark.parametrize("course", ["fixed", "varying"])
@pytest.mark.parametrize("chunk", [1, 300])
@pytest.mark.parametrize("parallel", [False, True])
def test_a_warm_run_read_in_chunks_writes_the_reports_of_the_whole_file(
    courses, tmp_path, monkeypatch, course, chunk, parallel
):
    monkeypatch.setattr(columnar, "_CHUNK_BYTES", chunk)  # 1: a chunk per line
    monkeypatch.setattr(columnar, "MIN_PARALLEL_BYTES", 0)
    path = tmp_path / "class.jsonl"
    lines = numbered(COMMON * 4)
    path.write_text("".join(line + "\n" for line in lines))
    expected = (general_csv(courses[course], path).encode(), len(lines))
    warm: list[object] = []  # what each chunked read gave: rows and students, or a miss

    def recorded(read):
        def call(*args, **kwargs):
            warm.append(read(*args, **kwargs))
            return warm[-1]

        return call

    for name in ("_part", "_graded_part"):
        monkeypatch.setattr(columnar, name, recorded(getattr(columnar, name)))
    assert columnar_gradebook(courses[course], path, now=NOW, parallel=parallel) == expected  # graded
    warm.clear()
    assert columnar_gradebook(courses[course], path, now=NOW, parallel=parallel) == expected
    assert warm and all(isinstance(part, tuple) for part in warm)  # every answer from the table
    for _ in range(2):  # results graded, then from the table
        report = columnar_report(courses[course], path, now=NOW)
        assert report is not None
        assert (b"".join(report[0]), report[1]) == (general_json(courses[course], path).encode(), len(lines))
    assert isinstance(warm[-1], tuple) and len(warm[-1][0]) == len(lines)


@pytest.mark.parametrize("course", ["fixed", "varying"])
@pytest.mark.parametrize("odd", ["returning", ODD[-3]])  # a student in an earlier chunk; another order
def test_an_odd_line_in_a_later_chunk_sends_the_file_the_general_way(
    courses, tmp_path, monkeypatch, course, odd
):
    monkeypatch.setattr(columnar, "_CHUNK_BYTES", 1)
    path = tmp_path / "class.jsonl"
    lines = numbered(COMMON * 2)
    path.write_text("".join(line + "\n" for line in lines))
    assert columnar_gradebook(courses[course], path, now=NOW) is not None  # the table is warm
    path.write_text("".join(line + "\n" for line in [*lines, lines[1] if odd == "returning" else odd]))
    assert columnar_gradebook(courses[course], path, now=NOW) is None
    assert columnar_report(courses[course], path, now=NOW) is None


def test_a_changed_spec_is_not_graded_from_the_old_table(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    problems = varying_course(tmp_path / "problems")
    path = tmp_path / "class.jsonl"
    path.write_text("".join(line + "\n" for line in COMMON))
    before = columnar_gradebook(problems, path, now=NOW)
    course = problems / "course.yaml"
    assert "salt: " in course.read_text()
    course.write_text(course.read_text().replace("salt: ", "salt: other-"))
    after = columnar_gradebook(problems, path, now=NOW)
    assert after is not None and after[0] == general_csv(problems, path).encode()
    assert before is not None


def test_a_spec_file_on_its_own_is_graded_with_the_course_beside_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    problems = varying_course(tmp_path / "problems")
    spec = problems / "lstm-states-1.yaml"
    path = tmp_path / "class.jsonl"
    answers = ["[0, 0, 1, 1, 1, 0]", "[0, 0, 1, 1, 0, 0]", "0, 0, 1, -1, 1, 0"] * 5
    lines = [
        f'{{"student": "s{number}", "answers": {{"lstm-states-1": "{answer}"}}}}'
        for number, answer in enumerate(answers)
    ]
    path.write_text("".join(line + "\n" for line in lines))
    before = columnar_gradebook(spec, path, now=NOW)
    assert before is not None and before[0] == general_csv(spec, path).encode()
    course = problems / "course.yaml"
    course.write_text(course.read_text().replace("salt: ", "salt: other-"))  # new variants
    after = columnar_gradebook(spec, path, now=NOW)
    assert after is not None and after[0] == general_csv(spec, path).encode()
    assert keycache.COURSE_FILE == COURSE_FILE


def test_an_unreadable_table_is_a_miss(courses, tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "class.jsonl"
    path.write_text("".join(line + "\n" for line in COMMON))
    first = columnar_gradebook(courses["fixed"], path, now=NOW)
    [table] = (tmp_path / "cache").glob("columnar-*.marshal")
    table.write_bytes(b"not marshal")
    assert columnar_gradebook(courses["fixed"], path, now=NOW) == first
    assert keycache.load_table(courses["fixed"], keycache.fingerprint(courses["fixed"])) is not None


def test_format_names_are_the_registries():
    from grader.report import FORMAT_NAMES
    from grader.report.formats import DIRECTORY_FORMATS, FORMATS

    assert tuple(sorted([*FORMATS, *DIRECTORY_FORMATS])) == FORMAT_NAMES


def test_no_students_have_no_picks():
    assert list(_picks(b"p", [], 3, 2)) == []


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_report_on_stdout_is_the_general_paths(courses, tmp_path, grade, fmt):
    path = tmp_path / "class.jsonl"
    path.write_text("".join(line + "\n" for line in COMMON))
    expected = (general_csv if fmt == "csv" else general_json)(courses["varying"], path)
    for _ in range(2):  # answers graded, then from the table
        run = grade(path, "--problems", courses["varying"], "--format", fmt, "--now", NOW.isoformat())
        assert (run.code, run.out) == (0, expected)


def test_a_whole_grade_process_writes_its_outputs_before_it_ends(courses, tmp_path):
    path = tmp_path / "class.jsonl"
    path.write_text("".join(line + "\n" for line in COMMON))
    out = tmp_path / "gradebook.csv"
    env = {**os.environ, "GRADER_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "grader", str(path), "--problems", str(courses["varying"])]
    argv += ["--format", "csv", "-o", str(out), "--now", NOW.isoformat()]
    for _ in range(2):  # answers graded, then from the table; each run ends without teardown
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, cwd=tmp_path)
        assert (done.returncode, done.stderr) == (0, f"grade: wrote {out} ({len(COMMON)} students)\n")
        assert out.read_text() == general_csv(courses["varying"], path)
