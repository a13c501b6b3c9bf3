"""JSONL read in blocks and graded column by column gives exactly the grades, errors and messages
of reading it line by line, whatever the lines hold and wherever blocks and chunks end."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import grader.grading as grading
import grader.submissions.blocks as blocks
from grader.grading import ClassGrader
from grader.submissions.formats import read_submissions
from grader.submissions.models import SubmissionBlock

NOW = datetime(2023, 3, 29, 12, tzinfo=timezone.utc)

COMMON = [
    {"student": "ana", "answers": {"lstm-states-1": "[0, 0, 1, -1, 1, 0]", "lstm-info": ["c"]}},
    {"student": "ben", "answers": {"lstm-states-2": [1, -1, 0, 1, -1]}},
    {"student": "cy", "answers": {"lstm-states-2": "1, -1, 0, 0, 1", "lstm-info": "c, d"}},
    {"student": "dee", "answers": {}},
    {"student": "eve", "answers": {"lstm-states-1": "[0, 0, 1,, 1]"}},
]
#: Lines that are not of the common form, each for a reason of its own.
ODD = [
    '{"student": "ana", "answers": {"lstm-states-1": "[0, 0, 1, 1, 1, 0]"}}',  # a returning student
    '{"student": "fay", "answers": {"lstm-states-2": [{"answer": "[1, -1, 0, 1, -1]", '
    '"at": "2023-03-20T10:00:00+00:00"}]}}',  # an attempt list
    '{"student": "gus", "answers": {"no-such-problem": "1", "lstm-info": "c"}}',  # unknown problem
    '{"student": "hal", "answers": {"LSTM states 2": "[1, -1, 0, 1, -1]"}}',  # named by title
    '{"student": " ida ", "answers": {"lstm-info": "c"}}',  # an id to strip
    '{"student": 42, "answers": {"lstm-info": "b"}}',  # a number as id
    '{"student": "jo", "problem": "lstm-info", "answer": "c"}',  # the one-attempt form
    '{"student": "kim", "answers": {"lstm-info": "{c}"}}',  # a "{" inside a string
    '{"student": "", "answers": {"lstm-info": "c"}}',  # no id: an error
    '{"student": "lee", "answers": {"lstm-info": "c"}, "extra": 1}',  # an unknown key: an error
    "{not json",  # invalid JSON
    "",  # a blank line
    "[1, 2]",  # not an object
    '{"student": "max", "answers": {"lstm-states-1": ' + "[" * 70 + "1" + "]" * 70 + "}}",  # too deep
]


def grade(path: Path, problems, *, use_blocks: bool, parallel: bool = False) -> tuple[dict, list[str]]:
    grader = ClassGrader(problems, now=NOW, parallel=parallel)
    grader.add(read_submissions(path, blocks=use_blocks))
    report = grader.report()
    rows = [(s, list(scores), total) for s, scores, total, _ in grader.gradebook_rows()]
    return report.model_dump(), [str(issue) for issue in grader.issues()] + [repr(rows)]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def common_lines(count: int, offset: int = 0) -> list[str]:
    lines = []
    for index in range(count):
        line = dict(COMMON[index % len(COMMON)])
        line["student"] = f"s{index + offset}-{line['student']}"
        lines.append(json.dumps(line))
    return lines


@pytest.mark.parametrize("block_size", [1, 2, 3, 7, 4096])
@pytest.mark.parametrize("chunk_size", [1, 5, 4096])
def test_blocks_grade_as_lines_do(problems, tmp_path, monkeypatch, block_size, chunk_size):
    lines = common_lines(12) + ODD + common_lines(9, offset=100) + [json.dumps(COMMON[0])] + ODD[:3]
    path = write(tmp_path / "class.jsonl", lines)
    expected = grade(path, problems, use_blocks=False)
    monkeypatch.setattr(blocks, "BLOCK_SIZE", block_size)
    monkeypatch.setattr(grading, "CHUNK_SIZE", chunk_size)
    assert grade(path, problems, use_blocks=True) == expected


def test_a_file_of_common_lines_is_read_as_whole_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 4)
    path = write(tmp_path / "class.jsonl", common_lines(10))
    items = list(read_submissions(path, blocks=True))
    assert [type(item) for item in items] == [SubmissionBlock] * 3
    assert [item.lines for item in items] == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]  # type: ignore[union-attr]


def test_an_odd_line_splits_a_block_and_keeps_its_place(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 8)
    path = write(tmp_path / "class.jsonl", [*common_lines(2), "{not json", *common_lines(2, offset=5)])
    kinds = [type(item).__name__ for item in read_submissions(path, blocks=True)]
    assert kinds == ["SubmissionBlock", "SubmissionError", "SubmissionBlock"]


LINE = st.one_of(st.sampled_from(ODD), st.builds(lambda i: common_lines(1, offset=i)[0], st.integers(0, 6)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINE, max_size=25), block_size=st.integers(1, 6), chunk_size=st.integers(1, 6))
def test_any_mix_of_lines_grades_the_same_in_blocks(problems, tmp_path, lines, block_size, chunk_size):
    path = write(tmp_path / "mix.jsonl", lines)
    expected = grade(path, problems, use_blocks=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(blocks, "BLOCK_SIZE", block_size)
        patch.setattr(grading, "CHUNK_SIZE", chunk_size)
        assert grade(path, problems, use_blocks=True) == expected


def test_the_variant_worker_changes_no_grade(problems, tmp_path, monkeypatch):
    import grader.engine.parallel as parallel

    path = write(tmp_path / "class.jsonl", common_lines(40) + ODD + common_lines(30, offset=50))
    expected = grade(path, problems, use_blocks=False)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BATCH", 1)
    monkeypatch.setattr(blocks, "BLOCK_SIZE", 8)
    assert grade(path, problems, use_blocks=True, parallel=True) == expected


@pytest.mark.parametrize("depth", [63, 64, 65, 1000])  # 63 lists in the two objects: 65 levels
@pytest.mark.parametrize("problem", ["lstm-states-1", "lstm-info"])
def test_an_answer_nested_too_deeply_skips_its_line_only(tmp_path, capsys, depth, problem):
    from grader.cli.main import main

    deep = "[" * depth + "1" + "]" * depth
    lines = [
        json.dumps({"student": "ben", "answers": {"lstm-info": "c"}}),
        f'{{"student": "ana", "answers": {{"{problem}": {deep}}}}}',
    ]
    path = write(tmp_path / "class.jsonl", lines)
    code = main([str(path), "--problems", str(Path(__file__).parent.parent / "problems"), "--format", "csv"])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"class.jsonl:2: answers.{problem}: nested too deeply (more than 64 levels)" in err
    assert out.splitlines()[1:] == ["ben,0,0,1,1,3"]


@pytest.mark.parametrize("depth", range(60, 68))
def test_nesting_near_the_limit_is_read_in_blocks_as_in_lines(problems, tmp_path, depth):
    # a common line's two objects are two of its levels: 63 lists inside them are 65 in all
    deep = "[" * depth + "1" + "]" * depth
    line = f'{{"student": "ana", "answers": {{"lstm-states-1": {deep}}}}}'
    lines = [*common_lines(3), line, *common_lines(2, offset=9)]
    path = write(tmp_path / "class.jsonl", lines)
    assert grade(path, problems, use_blocks=True) == grade(path, problems, use_blocks=False)


def test_a_choice_problem_with_a_model_but_no_inputs_is_graded_as_fixed(tmp_path):
    # a choice problem may name a model (for its statement, or to check its key by simulation)
    # without inputs: nobody draws a variant of it
    import shutil

    from grader.spec.loader import load_problems

    directory = tmp_path / "problems"
    shutil.copytree(Path(__file__).parent.parent / "problems", directory)
    lines = (directory / "lstm-states-1.yaml").read_text().splitlines()
    start = lines.index("model:")
    end = next(i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" "))
    model = "\n".join(lines[start:end])
    info = directory / "lstm-info.yaml"
    info.write_text(info.read_text() + "\n" + model + "\n")
    loaded = load_problems(directory)
    assert loaded["lstm-info"].model is not None and loaded["lstm-info"].inputs is None
    path = write(tmp_path / "class.jsonl", common_lines(6))
    report, _ = grade(path, loaded, use_blocks=True)
    assert report == grade(path, loaded, use_blocks=False)[0]
    assert [s["results"][2]["status"] for s in report["students"]][:3] == ["correct", "missing", "incorrect"]
