"""The course's settings in one object, ``CourseSettings``, read from ``nbgrader_config.py``.

Every setting is a trait of ``CourseSettings``: its default, its unit (in its help text) and,
in its ``env`` tag, the environment variable that overrides it. A setting's value comes from,
lowest precedence first:

1. the default declared here;
2. ``c.CourseSettings.<name> = ...`` in the course's ``nbgrader_config.py``;
3. its environment variable (``COURSE_*``; an empty variable counts as unset).

An invalid value (not a number, not positive, not a regular expression), an unknown
``c.CourseSettings`` name, or one set below the file's ``from_config(c)`` (nbgrader's options
would miss it) is a ``CourseError`` that says where the value came from.

``nbgrader_config.py`` builds the object (``from_config(c)``) and sets nbgrader's own options
from it (``Execute.timeout``, ``Exchange.root``, the ``JudgedExecute`` limits, ...). The
``course`` commands get it from ``load_settings(root)``, which also carries nbgrader's
``CourseDirectory`` options of the same file: the course id and the folder names
(``settings.folder("submitted")``). Settings tagged ``grading`` can change a grade, so they
enter the grading environment that cluster workers compare (``course.grading.environment``).

Adding a setting: a trait of ``CourseSettings`` (its help giving the unit; tagged with its
``env`` variable and, if it can change a grade, ``grading``), its commented line in the
settings block of ``nbgrader_config.py`` (a test checks the block against the traits) and a
row in the README's settings table.
"""

from __future__ import annotations

import contextvars
import copy
import difflib
import functools
import hashlib
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets import Float, Integer, TraitError, Unicode
from traitlets.config import Config, LoggingConfigurable
from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

from course.chapters import ROOT, CourseError
from utils.runtime import THREADS_ENV

CONFIG_FILE = "nbgrader_config.py"
FOLDERS = ("source", "release", "submitted", "autograded", "feedback")

# stderr lines made only of TensorFlow/Python warnings (nbgrader's IgnorePattern drops them,
# else a test cell whose code makes Keras warn gets zero points)
STDERR_WARNINGS = (
    r"(?m)^(\S+: \w*Warning: |WARNING: |W\d{4} |I\d{4} |E\d{4} |\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
    r"\.\d+: [IWE] |WARNING:tensorflow|WARNING:absl|  warnings\.warn\()"
)


class _Positive:
    """Mixed into a number trait: values not above 0, NaN and infinities are refused."""

    def validate(self, obj, value):
        value = super().validate(obj, value)
        if not (math.isfinite(value) and value > 0):
            raise TraitError(f"CourseSettings.{self.name} must be a number above 0, "
                             f"not {value!r}")
        return value


class PositiveInteger(_Positive, Integer):
    """An integer above 0."""


class PositiveFloat(_Positive, Float):
    """A finite number above 0."""


class RegularExpression(Unicode):
    """Text that compiles as a Python regular expression."""

    def validate(self, obj, value):
        value = super().validate(obj, value)
        try:
            re.compile(value)
        except re.error as error:
            raise TraitError(f"CourseSettings.{self.name} is not a regular expression "
                             f"({error})") from None
        return value


class CourseSettings(LoggingConfigurable):
    """The course's settings; ``root`` and ``course_directory`` say where the course is."""

    cell_timeout = PositiveInteger(
        120, help="Seconds one cell may run when a notebook is graded (nbgrader's "
                  "Execute.timeout).",
    ).tag(config=True, env="COURSE_CELL_TIMEOUT", grading=True)
    submission_timeout = PositiveFloat(
        900.0, help="Seconds one submission may take to grade in all; then its worker and "
                    "kernels are killed.",
    ).tag(config=True, env="COURSE_SUBMISSION_TIMEOUT", grading=True)
    max_notebook_mb = PositiveFloat(
        50.0, help="MB: the largest notebook a submission may hand in (and that "
                   "`course collect --zip` takes from a zip).",
    ).tag(config=True, env="COURSE_MAX_NOTEBOOK_MB", grading=True)
    max_submission_mb = PositiveFloat(
        200.0, help="MB: the files of one submission folder, all together.",
    ).tag(config=True, env="COURSE_MAX_SUBMISSION_MB", grading=True)
    memory_limit_mb = PositiveInteger(
        4096, help="MB of memory (RSS of the kernel and its children) the student's kernel "
                   "may use.",
    ).tag(config=True, env="COURSE_MEMORY_LIMIT_MB", grading=True)
    output_limit_kb = PositiveInteger(
        256, help="KB of output kept per cell; a cell printing ten times more is interrupted.",
    ).tag(config=True, env="COURSE_OUTPUT_LIMIT_KB", grading=True)
    file_size_limit_mb = PositiveInteger(
        256, help="MB: the largest file a submission may write.",
    ).tag(config=True, env="COURSE_FILE_SIZE_LIMIT_MB", grading=True)
    disk_limit_mb = PositiveInteger(
        1024, help="MB of files a submission may leave in its folder, all together.",
    ).tag(config=True, env="COURSE_DISK_LIMIT_MB", grading=True)
    tf_threads = PositiveInteger(
        1, help="TensorFlow threads per kernel when grading and in mutant sweeps (a count), "
                "so a grade does not depend on how many submissions run at once.",
    ).tag(config=True, env=THREADS_ENV, grading=True)
    stderr_ignore = RegularExpression(
        STDERR_WARNINGS, help="Regular expression: stderr output made of its matches is "
                              "dropped before grading (nbgrader's IgnorePattern.pattern).",
    ).tag(config=True, env="COURSE_STDERR_IGNORE", grading=True)
    exchange = Unicode(
        "", help="Folder of nbgrader's exchange (Exchange.root), where students fetch "
                 "chapters and submit; empty: the course uses no exchange.",
    ).tag(config=True, env="COURSE_EXCHANGE")

    def __init__(self, course_directory: CourseDirectory | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.course_directory = course_directory or CourseDirectory()
        self.root = Path(self.course_directory.root)

    @classmethod
    def environment_names(cls) -> dict[str, str]:
        """``{setting: environment variable that overrides it}``, for every setting."""
        return {name: trait.metadata["env"]
                for name, trait in cls.class_traits(config=True).items()}

    @classmethod
    def grading_names(cls) -> list[str]:
        """The settings that can change a grade."""
        return sorted(name for name, trait in cls.class_traits(config=True).items()
                      if trait.metadata.get("grading"))

    @property
    def course_id(self) -> str:
        """nbgrader's ``CourseDirectory.course_id``."""
        return self.course_directory.course_id

    def folder(self, name: str) -> Path:
        """Where the course keeps ``name`` (one of ``FOLDERS``): ``root`` joined with
        nbgrader's ``CourseDirectory.<name>_directory``."""
        if name not in FOLDERS:
            raise ValueError(f"no course folder {name!r}; one of {', '.join(FOLDERS)}")
        return self.root / getattr(self.course_directory, f"{name}_directory")


# While load_settings runs a config file: what each from_config(c) of the file saw.
_SEEN: contextvars.ContextVar[list | None] = contextvars.ContextVar("seen", default=None)


def from_config(config: Config, environ: Mapping[str, str] | None = None) -> CourseSettings:
    """The settings of ``config`` (an nbgrader configuration: ``c`` in ``nbgrader_config.py``)
    with the environment variables of ``environ`` (default ``os.environ``) applied over it."""
    environ = os.environ if environ is None else environ
    seen = _SEEN.get()
    if seen is not None:
        seen.append((config, copy.deepcopy(dict(config.get("CourseSettings", {})))))
    known = CourseSettings.environment_names()
    for name in config.get("CourseSettings", {}):
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise CourseError(f"{CONFIG_FILE}: c.CourseSettings.{name} is not a setting{hint}; "
                              f"the settings: {', '.join(known)}")
    try:
        settings = CourseSettings(config=config, course_directory=CourseDirectory(config=config))
    except TraitError as error:
        raise CourseError(f"{CONFIG_FILE}: {error}") from None
    for name, variable in known.items():
        raw = environ.get(variable, "")
        if raw:
            _override(settings, name, variable, raw)
    return settings


def _override(settings: CourseSettings, name: str, variable: str, raw: str) -> None:
    trait = settings.traits()[name]
    try:
        value = trait.from_string(raw)
    except ValueError:
        raise CourseError(f"{variable}={raw!r}: expected {trait.info()} "
                          f"(CourseSettings.{name}: {trait.help})") from None
    try:
        setattr(settings, name, value)
    except TraitError as error:
        raise CourseError(f"{variable}={raw!r}: {error}") from None


def load_settings(root: Path = ROOT, environ: Mapping[str, str] | None = None
                  ) -> CourseSettings:
    """The settings of the course at ``root``: its ``nbgrader_config.py`` (defaults where there
    is none) and the environment (``environ``, default ``os.environ``) over it. ``root`` is the
    course directory, whatever ``CourseDirectory.root`` the file sets."""
    root = Path(root)
    config = _file_config(root / CONFIG_FILE)
    config.CourseDirectory.root = str(root)
    return from_config(config, environ)


def _file_config(path: Path) -> Config:
    """A copy of the configuration ``path`` makes (empty if there is no such file); the file is
    run again only when its text changes."""
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return Config()
    return copy.deepcopy(_run_config_file(str(path), hashlib.sha256(text).hexdigest()))


@functools.lru_cache(maxsize=16)
def _run_config_file(path: str, text_digest: str) -> Config:
    folder, name = os.path.split(path)
    seen: list = []
    token = _SEEN.set(seen)
    try:
        config = PyFileConfigLoader(name, path=folder).load_config()
    except ConfigFileNotFound:
        return Config()
    except CourseError:
        raise
    except Exception as error:  # noqa: BLE001  (whatever the file raises, said in one line)
        raise CourseError(f"cannot load {path}: {type(error).__name__}: {error}") from None
    finally:
        _SEEN.reset(token)
    _check_settings_set_before_use(path, config, seen)
    return config


def _check_settings_set_before_use(path: str, config: Config, seen: list) -> None:
    """A ``c.CourseSettings`` line after the file's ``from_config(c)`` would reach the course
    commands but not the nbgrader options the file set from the settings: refused."""
    final = dict(config.get("CourseSettings", {}))
    for used_config, used in seen:
        if used_config is config and used != final:
            late = sorted(name for name in final.keys() | used.keys()
                          if final.get(name) != used.get(name))
            raise CourseError(f"{path}: c.CourseSettings.{', '.join(late)} set after "
                              "from_config(c) reads the settings; set it in the settings "
                              "block above that line")
