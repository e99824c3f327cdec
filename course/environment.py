"""What a grade depends on besides the submission: installed packages, grader code, settings.

A grade must not depend on where it was computed. When grading is spread over machines
(``course.cluster``), the instructor's process describes its grading environment with
``current()`` and every worker compares it with its own before grading; any difference is a
refusal that names what differs (``differences``).

An environment is three parts:

- ``packages``: sorted ``name==version`` of every installed distribution
  (``importlib.metadata.distributions()``, names normalised as pip does), computed the same
  way on both sides;
- ``code``: ``{relative path: sha256 hex}`` of every file of the ``course`` (the grader) and
  ``utils`` (what every notebook imports) packages as installed;
- ``settings``: the environment variables that change how a submission is graded (the
  ``COURSE_*`` limits and timeouts, TensorFlow's oneDNN switch), as set (unset variables are
  absent).

``COURSE_PACKAGE_FINGERPRINT_EXTRA`` (comma-separated ``name==version``) adds packages to the
list as if they were installed. It exists for the tests, which use it to start a worker that
looks different; it can only make environments differ, so it is harmless elsewhere.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

EXTRA_PACKAGES = "COURSE_PACKAGE_FINGERPRINT_EXTRA"

# Variables read by the grader (course/autograde.py, nbgrader_config.py) or passed to the
# student's kernel (course/judged_execute.py) that can change a grade.
GRADING_SETTINGS = (
    "COURSE_CELL_TIMEOUT", "COURSE_DISK_LIMIT_MB", "COURSE_FILE_SIZE_LIMIT_MB",
    "COURSE_MAX_NOTEBOOK_MB", "COURSE_MAX_SUBMISSION_MB", "COURSE_MEMORY_LIMIT_MB",
    "COURSE_OUTPUT_LIMIT_KB", "COURSE_STDERR_IGNORE", "COURSE_SUBMISSION_TIMEOUT",
    "TF_ENABLE_ONEDNN_OPTS",
)


@dataclass(frozen=True)
class Environment:
    packages: tuple[str, ...]   # sorted "name==version"
    code: dict[str, str]        # "course/autograde.py" -> sha256 hex of its bytes
    settings: dict[str, str]    # variable -> value, only those set

    @property
    def fingerprint(self) -> str:
        """sha256 hex over the three parts (a canonical JSON text)."""
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def to_data(self) -> dict:
        return {"packages": list(self.packages), "code": dict(self.code),
                "settings": dict(self.settings)}

    @classmethod
    def from_data(cls, data: dict) -> Environment:
        return cls(tuple(data["packages"]), dict(data["code"]), dict(data["settings"]))


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_packages() -> tuple[str, ...]:
    """Sorted, de-duplicated ``name==version`` of the installed distributions, plus the
    entries of ``COURSE_PACKAGE_FINGERPRINT_EXTRA``."""
    found = set()
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name:
            found.add(f"{_normalise(name)}=={dist.version}")
    for entry in os.environ.get(EXTRA_PACKAGES, "").split(","):
        if "==" in entry:
            name, version = entry.strip().split("==", 1)
            found.add(f"{_normalise(name)}=={version.strip()}")
    return tuple(sorted(found))


def code_digests() -> dict[str, str]:
    """sha256 of each file of the installed ``course`` and ``utils`` packages, by path
    relative to the folder holding them (caches left out)."""
    import utils

    digests = {}
    for package in (Path(__file__).parent, Path(utils.__file__).parent):
        for path in sorted(package.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                rel = str(path.relative_to(package.parent))
                digests[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def grading_settings() -> dict[str, str]:
    return {name: os.environ[name] for name in GRADING_SETTINGS if name in os.environ}


def current() -> Environment:
    """This process's grading environment."""
    return Environment(installed_packages(), code_digests(), grading_settings())


def differences(instructor: Environment, here: Environment, shown: int = 4) -> str:
    """What differs between the instructor's environment and this one, in one line naming up
    to ``shown`` items of each part ("" when they are the same)."""
    parts = []
    theirs = dict(p.split("==", 1) for p in instructor.packages)
    ours = dict(p.split("==", 1) for p in here.packages)
    changed = sorted(name for name in theirs.keys() | ours.keys()
                     if theirs.get(name) != ours.get(name))
    if changed:
        parts.append("installed packages differ: " + _listed(
            [f"{n} {ours.get(n, 'missing')} here, {theirs.get(n, 'missing')} on the "
             "instructor's machine" for n in changed], shown))
    files = sorted(name for name in instructor.code.keys() | here.code.keys()
                   if instructor.code.get(name) != here.code.get(name))
    if files:
        parts.append("course files differ: " + _listed(files, shown))
    names = sorted(name for name in instructor.settings.keys() | here.settings.keys()
                   if instructor.settings.get(name) != here.settings.get(name))
    if names:
        parts.append("settings differ: " + _listed(
            [f"{n}={here.settings.get(n, '(unset)')} here, "
             f"{instructor.settings.get(n, '(unset)')} on the instructor's machine"
             for n in names], shown))
    return "; ".join(parts)


def _listed(items: list[str], shown: int) -> str:
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more
