"""One way of fingerprinting files (``course.fingerprint``), shared by the outcomes that let a
rerun skip graded submissions, the cluster's chapter bundles and the grading environment."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from course import fingerprint
from course.grading import environment, outcomes


def _folder(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def test_file_digests_by_relative_path_without_links_or_skipped_files(tmp_path):
    folder = _folder(tmp_path / "f", {"a.txt": b"a", "sub/b.bin": b"b", "sub/c.pyc": b"c"})
    os.symlink(tmp_path / "f" / "a.txt", folder / "link.txt")
    assert fingerprint.file_digests(folder) == {
        "a.txt": hashlib.sha256(b"a").hexdigest(), "sub/b.bin": hashlib.sha256(b"b").hexdigest(),
        "sub/c.pyc": hashlib.sha256(b"c").hexdigest()}
    assert list(fingerprint.file_digests(folder, skip=lambda rel: rel.endswith(".pyc"))) == [
        "a.txt", "sub/b.bin"]
    assert fingerprint.file_digests(tmp_path / "missing") == {}


def test_digest_of_depends_on_content_not_key_order():
    digest_of = fingerprint.digest_of
    assert digest_of({"a": "1", "b": "2"}) == digest_of({"b": "2", "a": "1"})
    assert digest_of({"a": "1"}) != digest_of({"a": "2"})
    assert len(digest_of([])) == 64


def test_an_outcome_fingerprint_changes_with_the_submission_or_the_source(tmp_path):
    submission = _folder(tmp_path / "sub", {"ch.ipynb": b"answers", "data/x.csv": b"1"})
    source = _folder(tmp_path / "src", {"ch.ipynb": b"tests"}) / "ch.ipynb"
    first = outcomes.fingerprint(submission, source)
    assert outcomes.fingerprint(submission, source) == first
    (submission / "data" / "x.csv").write_bytes(b"2")
    second = outcomes.fingerprint(submission, source)
    source.write_bytes(b"new tests")
    third = outcomes.fingerprint(submission, source)
    assert len({first, second, third}) == 3
    (submission / "data" / "x.csv").rename(submission / "data" / "y.csv")  # a renamed file
    assert outcomes.fingerprint(submission, source) != third


def test_the_grader_files_are_fingerprinted_by_package_path_without_caches():
    code = environment.code_digests()
    assert code["course/fingerprint.py"] == fingerprint.content_digest(
        Path(fingerprint.__file__).read_bytes())
    assert "course/reporting/templates/report.html.j2" in code and "utils/checks.py" in code
    assert not any("__pycache__" in rel or rel.endswith(".pyc") for rel in code)
