"""`grade SUBMISSIONS` on every input format and output format, and `grade variant`, in-process."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from grader.cli.main import main
from grader.report.progress import progress
from tests.conftest import varying_course

ROOT = Path(__file__).resolve().parents[2]
PROBLEMS = ROOT / "problems"


def run(capsys, *argv: object) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """The shipped problems, with LSTM states 1 turned into a per-student variant problem."""
    return varying_course(tmp_path / "problems")


JSONL = [
    # alice's variant of lstm-states-1 is [0, 0, 1, 1, 0, 1] under the shipped salt (see
    # `grade variant`); by hand its key is [0, 0, 1, -1, 0, 1]
    {"student": "alice", "answers": {"lstm-states-1": "[0, 0, 1, -1, 0, 1]", "lstm-info": ["c"]}},
    {"student": "alice", "problem": "lstm-states-2", "answer": "[1, -1, 0, 0, 1]"},
    {"student": "alice", "problem": "lstm-states-2", "answer": "[1, -1, 0, 1, -1]"},
    {"student": "=bob", "problem": "lstm-states-2", "answer": "[1, -1, 0, 1, -1]", "submitted_at": "then"},
    {"student": "=bob", "problem": "lstm-info", "answer": "a, c"},
    {"student": "cid", "problem": "no-such-problem", "answer": "1"},
]


def write_jsonl(path: Path, objects: list[dict[str, object]], extra: str = "") -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objects) + extra)
    return path


def test_variant_prints_the_students_inputs(capsys, course):
    code, out, _ = run(capsys, "variant", "lstm-states-1", "--student", "alice", "--problems", course)
    assert code == 0
    assert "= [0, 0, 1, 1, 0, 1]$." in out
    assert out.endswith("inputs for alice: [0, 0, 1, 1, 0, 1]\n")
    spec = course / "lstm-states-1.yaml"
    code, out, _ = run(capsys, "variant", spec, "--student", "alice", "--format", "json")
    assert json.loads(out)["inputs"] == [0, 0, 1, 1, 0, 1]


def test_variant_of_an_unknown_problem(capsys, course):
    code, _, err = run(capsys, "variant", "nope", "--student", "a", "--problems", course)
    assert code == 2
    assert "unknown problem 'nope'" in err


def test_jsonl_to_csv_gradebook_with_bad_rows(capsys, course, tmp_path):
    source = write_jsonl(tmp_path / "class.jsonl", JSONL, "{broken\n")
    out_file = tmp_path / "out" / "gradebook.csv"
    code, out, err = run(
        capsys, source, "--problems", course, "--format", "csv", "-o", out_file, "--now", "2023-03-01T00:00Z"
    )
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        f"grade: skipped: {source}:4: submitted_at: expected an ISO 8601 timestamp like "
        "2023-03-29T08:59:00-03:00; got 'then'",
        f"grade: skipped: {source}:6: answers.no-such-problem: unknown problem 'no-such-problem'; "
        "known: lstm-states-1, lstm-states-2, lstm-info",
        f"grade: skipped: {source}:7: invalid JSON: Expecting property name enclosed in double quotes "
        "(column 2)",
        f"grade: wrote {out_file} (3 students)",
    ]
    rows = list(csv.reader(io.StringIO(out_file.read_text())))
    assert rows == [
        ["student", "lstm-states-1", "lstm-states-2", "lstm-info", "total", "max_score"],
        ["alice", "1", "1", "1", "3", "3"],
        ["'=bob", "0", "0", "0", "0", "3"],
        ["cid", "0", "0", "0", "0", "3"],
    ]


def test_attempts_are_counted_across_rows(capsys, course, tmp_path):
    source = write_jsonl(tmp_path / "class.jsonl", JSONL[:3])
    now = "2023-03-01T00:00:00Z"
    code, out, _ = run(capsys, source, "--problems", course, "--format", "json", "--now", now)
    assert code == 0
    (alice,) = json.loads(out)["students"]
    states2 = alice["results"][1]
    assert (states2["status"], states2["attempts_used"], states2["max_attempts"]) == ("correct", 2, 5)


def test_csv_input_and_gradescope_output(capsys, course, tmp_path):
    source = tmp_path / "class.csv"
    source.write_text(
        "student,problem,answer,submitted_at\n"
        'ann,lstm-states-2,"[1, -1, 0, 1, -1]",2023-03-20T10:00:00Z\n'
        "ann,LSTM info,c,\n"
        "ben,lstm-info\n"
    )
    out_dir = tmp_path / "gradescope"
    code, _, err = run(capsys, source, "--problems", course, "--format", "gradescope", "-o", out_dir)
    assert code == 1
    assert f"{source}:4: expected 4 columns" in err
    results = json.loads((out_dir / "ann" / "results.json").read_text())
    assert results["score"] == 2.0
    assert [(t["number"], t["status"]) for t in results["tests"]] == [
        ("lstm-states-1", "failed"),
        ("lstm-states-2", "passed"),
        ("lstm-info", "passed"),
    ]


def test_gradescope_needs_an_output_directory(capsys, course):
    code, _, err = run(capsys, ROOT / "submissions", "--problems", course, "--format", "gradescope")
    assert code == 2
    assert "give it with --output DIR" in err


@pytest.mark.parametrize("now", ["2023-03-29", "yesterday"])
def test_now_must_be_a_time_with_offset(capsys, now):
    code, _, err = run(capsys, ROOT / "submissions", "--problems", PROBLEMS, "--now", now)
    assert code == 2
    assert err.startswith("grade: error: --now: ")


def test_reveal_escalates_after_the_due_date_given_by_now(capsys, tmp_path, course):
    spec = course / "lstm-states-2.yaml"
    kept = [line for line in spec.read_text().splitlines() if not line.startswith(("due:", "reveal:"))]
    kept += ["due: 2023-03-29T08:59:00-03:00", "reveal: {show: verdict, after_due: positions}"]
    spec.write_text("\n".join(kept) + "\n")
    source = write_jsonl(
        tmp_path / "c.jsonl", [{"student": "a", "problem": "lstm-states-2", "answer": "[1, -1, 1, -1, 1]"}]
    )
    feedback = {}
    for now in ("2023-03-29T11:58:00Z", "2023-03-29T12:00:00Z"):  # the due date is 11:59 UTC
        _, out, _ = run(capsys, source, "--problems", course, "--format", "json", "--now", now)
        feedback[now] = json.loads(out)["students"][0]["results"][1]["feedback"]
    assert feedback["2023-03-29T11:58:00Z"] == "Not correct."
    assert feedback["2023-03-29T12:00:00Z"].startswith("Not correct: h_2, h_3 and h_4 are wrong")


def test_the_shipped_directory_still_grades(capsys):
    code, out, _ = run(capsys, ROOT / "submissions", "--problems", PROBLEMS, "--format", "csv", "--quiet")
    assert code == 0
    assert out.splitlines()[1] == "alice,1,1,1,3,3"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stream", "quiet", "shown"), [(Terminal(), False, True), (Terminal(), True, False),
                                                         (io.StringIO(), False, False)])
def test_progress_bar_only_on_a_terminal_and_not_quiet(stream, quiet, shown):
    assert list(progress(range(5), quiet=quiet, stream=stream)) == [0, 1, 2, 3, 4]
    assert bool(stream.getvalue()) is shown


def test_progress_counts_what_each_item_stands_for():
    from tqdm import tqdm

    from grader.report.progress import _counted

    bar = tqdm(file=io.StringIO(), disable=False)
    assert list(_counted([3, 4], bar, lambda n: n * 1000)) == [3, 4]
    assert bar.n == 7000


#: (student, lstm-info answer, time), in input order; lstm-info allows 2 attempts, the last counts
OUT_OF_ORDER = [
    ("ann", "a", "2023-03-20T11:00:00Z"),
    ("ann", "c", "2023-03-20T09:00:00Z"),
    ("ann", "b", "2023-03-20T10:00:00Z"),
    ("ben", "c", "2023-03-20T10:00:00Z"),
    ("ben", "a", "2023-03-20T09:00:00+00:00"),
]


def write_out_of_order(directory: Path, kind: str) -> Path:
    if kind == "jsonl":
        rows = [
            {"student": s, "problem": "lstm-info", "answer": a, "submitted_at": t} for s, a, t in OUT_OF_ORDER
        ]
        return write_jsonl(directory / "class.jsonl", rows)
    if kind == "csv":
        path = directory / "class.csv"
        lines = [f"{s},lstm-info,{a},{t}\n" for s, a, t in OUT_OF_ORDER]
        path.write_text("student,problem,answer,submitted_at\n" + "".join(lines))
        return path
    folder = directory / "files"
    folder.mkdir()
    for student in ("ann", "ben"):
        tries = "".join(f"    - {{answer: [{a}], at: {t}}}\n" for s, a, t in OUT_OF_ORDER if s == student)
        (folder / f"{student}.yaml").write_text(f"student: {student}\nanswers:\n  lstm-info:\n{tries}")
    return folder


@pytest.mark.parametrize("kind", ["jsonl", "csv", "files"])
def test_attempts_given_out_of_order_are_folded_by_time(capsys, tmp_path, kind):
    source = write_out_of_order(tmp_path, kind)
    now = "2023-03-21T00:00:00Z"
    code, out, err = run(capsys, source, "--problems", PROBLEMS, "--format", "json", "--now", now)
    assert code == 0, err
    info = {s["student"]: s["results"][2] for s in json.loads(out)["students"]}
    # ann, in time: c (9:00), b (10:00), a (11:00, a third attempt of 2): b is her last
    assert (info["ann"]["status"], info["ann"]["attempts_used"]) == ("incorrect", 2)
    assert info["ann"]["notes"] == ["attempt 3 ignored: only 2 attempt(s) allowed"]
    # ben, in time: a (9:00), c (10:00): c is his last
    assert (info["ben"]["status"], info["ben"]["attempts_used"], info["ben"]["notes"]) == ("correct", 2, [])
