"""The README's commands: what a newcomer types first must work as printed, and name every verb."""

from __future__ import annotations

import re
import shlex

from grader.cli.main import COMMANDS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def first_commands() -> list[str]:
    """The commands of the README's first code block, comments dropped."""
    block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def test_the_first_command_installs_into_a_virtual_environment_and_grades_the_samples():
    install, tests = first_commands()
    steps = [step.strip() for step in install.split("&&")]
    # PEP 668: a stock Debian or Ubuntu python3 refuses `pip install` outside a virtual environment
    assert steps[0] == "python3 -m venv .venv"
    assert all(not step.startswith(("pip", "python3 -m pip")) for step in steps)
    assert steps[1:] == [".venv/bin/pip install -e .", ".venv/bin/grade submissions/"]
    assert tests == "bash .ci/run"


def test_the_readme_says_how_to_add_the_service_and_get_venv_on_debian():
    assert "pip install -e '.[server]'" in README
    assert "apt install python3-venv" in README


def test_the_commands_table_names_every_command():
    table = README.split("## Commands", 1)[1].split("\n\n", 2)[1]
    for name in COMMANDS:
        assert re.search(rf"`grade {name}\b", table), name


def test_the_authoring_guides_release_commands_run_on_the_shipped_samples(grade, monkeypatch):
    # docs/problems.md, "Before release": each command as printed, from the repository's root
    guide = (ROOT / "docs" / "problems.md").read_text(encoding="utf-8")
    block = guide.split("## Before release: `grade check`\n", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [shlex.split(line.split("  #", 1)[0]) for line in block.splitlines() if line.strip()]
    assert len(commands) == 5
    monkeypatch.chdir(ROOT)
    for command in commands:
        assert command[0] == "grade"
        run = grade(*command[1:])
        assert run.code == 0, (command, run.err)
