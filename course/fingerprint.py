"""sha256 fingerprints of files and folders, computed one way wherever the course compares them.

- ``content_digest(data)``: sha256 hex of some bytes;
- ``file_digests(folder)``: ``{relative POSIX path: sha256 hex}`` of every regular file below a
  folder (symbolic links are never followed);
- ``digest_of(data)``: sha256 hex of any JSON data (such a mapping, say), over its canonical
  JSON text (keys sorted), so equal data gives an equal digest on every machine.

Used for the files a submission was graded from (``course.grading.outcomes``), the chapter bundle
sent
to cluster workers (``course.grading.cluster_task``) and the grader's own files
(``course.grading.environment``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path


def content_digest(data: bytes) -> str:
    """sha256 hex (64 characters) of ``data``."""
    return hashlib.sha256(data).hexdigest()


def file_digests(folder: Path, skip: Callable[[str], bool] | None = None) -> dict[str, str]:
    """``{relative POSIX path: sha256 hex of its bytes}`` of every regular file below
    ``folder``, in path order; symbolic links are left out, and so is every file whose relative
    path ``skip`` accepts. ``{}`` when ``folder`` does not exist."""
    digests = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        if skip is None or not skip(rel):
            digests[rel] = content_digest(path.read_bytes())
    return digests


def digest_of(data: object) -> str:
    """sha256 hex of ``data`` (JSON-serialisable: dicts, lists, strings, numbers) written as
    canonical JSON text: keys sorted, ASCII only."""
    return content_digest(json.dumps(data, sort_keys=True).encode())
