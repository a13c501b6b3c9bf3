"""The `grade` command line: a thin front over the library."""
