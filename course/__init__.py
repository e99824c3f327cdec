"""Instructor toolkit for the deep-learning course: ``python -m course <command>``.

Commands: validate, release, autograde, feedback, report, demo, bench (see ``course.cli.main``).
"""
