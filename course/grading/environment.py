"""What a grade depends on besides the submission: installed packages, grader code, settings.

A grade must not depend on where it was computed. When grading is spread over machines
(``course.grading.cluster``), the instructor's process describes its grading environment with
``current()`` and every worker compares it with its own before grading; any difference is a
refusal that names what differs (``differences``).

An environment is three parts:

- ``packages``: sorted ``name==version`` of every installed distribution
  (``importlib.metadata.distributions()``, names normalised as pip does), computed the same
  way on both sides;
- ``code``: ``{relative path: sha256 hex}`` of every file of the ``course`` (the grader) and
  ``utils`` (what every notebook imports) packages as installed;
- ``settings``: the course settings that can change a grade (``course.settings``: limits,
  timeouts, TensorFlow threads, ...), each by the name of the environment variable that
  overrides it, with its value as loaded from the course's ``nbgrader_config.py`` and the
  environment; and TensorFlow's oneDNN switch, when set.

``COURSE_PACKAGE_FINGERPRINT_EXTRA`` (comma-separated ``name==version``) adds packages to the
list as if they were installed. It exists for the tests, which use it to start a worker that
looks different; it can only make environments differ, so it is harmless elsewhere.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from course.chapters import ROOT
from course.fingerprint import digest_of, file_digests
from course.settings import CourseSettings, load_settings

EXTRA_PACKAGES = "COURSE_PACKAGE_FINGERPRINT_EXTRA"

# Variables that are no course setting yet can change a grade: passed to the student's
# kernel (course/grading/judged_execute.py).
OUTSIDE_SETTINGS = ("TF_ENABLE_ONEDNN_OPTS",)


@dataclass(frozen=True)
class Environment:
    packages: tuple[str, ...]   # sorted "name==version"
    code: dict[str, str]        # "course/grading/autograde.py" -> sha256 hex of its bytes
    settings: dict[str, str]    # "COURSE_CELL_TIMEOUT" -> "120" (see grading_settings)

    @property
    def fingerprint(self) -> str:
        """sha256 hex over the three parts (``course.fingerprint.digest_of``)."""
        return digest_of(asdict(self))

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
    """sha256 hex of each file of the installed ``course`` and ``utils`` packages, by POSIX
    path relative to the folder holding them (``"course/grading/autograde.py"``; caches left
    out)."""
    import utils

    digests = {}
    for package in (Path(__file__).parents[1], Path(utils.__file__).parent):
        found = file_digests(package, skip=_is_cache)
        digests.update({f"{package.name}/{rel}": digest for rel, digest in found.items()})
    return digests


def _is_cache(rel: str) -> bool:
    """Python's byte-code caches: never part of what grades."""
    return "__pycache__" in rel.split("/") or rel.endswith(".pyc")


def grading_settings(settings: CourseSettings) -> dict[str, str]:
    """``{environment variable: value as text}`` of every setting that can change a grade
    (``CourseSettings.grading_names``), plus the ``OUTSIDE_SETTINGS`` that are set."""
    names = CourseSettings.environment_names()
    values = {names[name]: str(getattr(settings, name))
              for name in CourseSettings.grading_names()}
    values.update({name: os.environ[name] for name in OUTSIDE_SETTINGS if name in os.environ})
    return values


def current(root: Path = ROOT) -> Environment:
    """This process's grading environment for the course at ``root``."""
    return Environment(installed_packages(), code_digests(),
                       grading_settings(load_settings(root)))


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
