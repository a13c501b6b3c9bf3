"""`python -m grader` is the `grade` command."""

from grader.cli.main import run

run()
