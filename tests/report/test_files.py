"""Outputs that cannot be written: one UsageError naming the path and the reason, nothing written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from grader.compare.results import Report
from grader.errors import EXIT_USAGE, UsageError
from grader.report.files import write_atomically
from grader.report.gradescope import write_gradescope

EMPTY = Report(problems=[], students=[])


def write_file(path: Path) -> None:
    write_atomically(path, "student,total\n")


def write_directory(path: Path) -> None:
    write_gradescope(EMPTY, path)


WRITERS = [pytest.param(write_file, id="file"), pytest.param(write_directory, id="gradescope")]


@pytest.mark.parametrize("write", WRITERS)
@pytest.mark.parametrize("target", ["blocker/out", "blocker/a/b/out"])
def test_a_parent_that_is_a_file(tmp_path, write, target):
    (tmp_path / "blocker").write_text("keep me")
    path = tmp_path / target
    with pytest.raises(UsageError) as error:
        write(path)
    assert str(error.value) == f"cannot write {path}: {tmp_path / 'blocker'} is not a directory"
    assert error.value.exit_code == EXIT_USAGE
    assert (tmp_path / "blocker").read_text() == "keep me"
    assert sorted(os.listdir(tmp_path)) == ["blocker"]


def test_gradescope_over_a_file_leaves_the_file(tmp_path):
    path = tmp_path / "results"
    path.write_text("keep me")
    with pytest.raises(UsageError) as error:
        write_directory(path)
    assert str(error.value) == (
        f"cannot write {path}: it exists and is not a directory (gradescope output is a directory)"
    )
    assert path.read_text() == "keep me"
    assert os.listdir(tmp_path) == ["results"]


def test_gradescope_over_a_broken_link(tmp_path):
    path = tmp_path / "results"
    path.symlink_to(tmp_path / "nowhere")
    with pytest.raises(UsageError, match=r": it exists and is not a directory"):
        write_directory(path)
    assert os.listdir(tmp_path) == ["results"] and path.is_symlink()


def test_a_file_over_a_directory(tmp_path):
    path = tmp_path / "report.json"
    path.mkdir()
    with pytest.raises(UsageError) as error:
        write_file(path)
    assert str(error.value) == f"cannot write {path}: Is a directory"
    assert os.listdir(tmp_path) == ["report.json"] and os.listdir(path) == []


def refuse(*args: object, **kwargs: object) -> None:
    raise PermissionError(13, "Permission denied")


@pytest.mark.parametrize("write", WRITERS)
def test_a_directory_that_refuses_new_files(tmp_path, monkeypatch, write):
    # what a read-only directory does (simulated: root may write anywhere)
    import grader.report.files as files
    import grader.report.gradescope as gradescope

    monkeypatch.setattr(files, "staging_beside", refuse)
    monkeypatch.setattr(gradescope, "staging_beside", refuse)
    path = tmp_path / "out"
    with pytest.raises(UsageError) as error:
        write(path)
    assert str(error.value) == f"cannot write {path}: Permission denied"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("write", WRITERS)
def test_a_read_only_directory(tmp_path, write, file_permissions_enforced):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with file_permissions_enforced(), pytest.raises(UsageError) as error:
            write(locked / "out")
        assert str(error.value) == f"cannot write {locked / 'out'}: Permission denied"
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o755)


@pytest.mark.parametrize("write", WRITERS)
def test_missing_parents_are_created(tmp_path, write):
    path = tmp_path / "new" / "deeper" / "out"
    write(path)
    assert path.exists()


def test_a_written_file_gets_the_usual_permissions_or_keeps_those_it_replaces(tmp_path):
    previous = os.umask(0o022)
    try:
        fresh = tmp_path / "gradebook.csv"
        write_atomically(fresh, "a\n")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # 0666 less the umask, not mkstemp's 0600
        kept = tmp_path / "shared.csv"
        kept.write_text("old\n")
        kept.chmod(0o664)
        write_atomically(kept, "new\n")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o664
        assert kept.read_text() == "new\n"
    finally:
        os.umask(previous)


def test_a_gradescope_directory_gets_the_usual_permissions(tmp_path):
    previous = os.umask(0o022)
    try:
        write_gradescope(Report(problems=[], students=[], errors=[]), tmp_path / "results")
        assert stat.S_IMODE((tmp_path / "results").stat().st_mode) == 0o755
    finally:
        os.umask(previous)


def test_a_rewritten_gradescope_directory_keeps_its_permissions(tmp_path):
    out = tmp_path / "results"
    write_gradescope(Report(problems=[], students=[], errors=[]), out)
    out.chmod(0o555)  # read-only: the new one is filled first, and only then made read-only
    write_gradescope(Report(problems=[], students=[], errors=[]), out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o555
