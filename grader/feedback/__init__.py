"""Feedback: what a student is told about an answer, within what the reveal policy allows."""
