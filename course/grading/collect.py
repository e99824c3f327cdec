"""``course collect``: bring submissions into ``submitted/<student>/<chapter>/``.

Two sources (the third way, copying folders into ``submitted/`` by hand, needs no command):

- **nbgrader's exchange** (the ``exchange`` setting, ``COURSE_EXCHANGE``): ``nbgrader collect
  <chapter> --update`` for every chapter; a newer submission replaces an older one, as
  nbgrader does.
- **An LMS download** (``--zip FILE``): the zip of a Canvas or Moodle assignment, whose file
  names say whose submission each file is:

  ======  ===============================================================================
  Canvas  ``<studentname>_<id>_<submissionid>_<filename>`` (``<studentname>_LATE_...`` when
          late; Canvas appends ``-1``, ``-2``, ... to a resubmitted file's name)
  Moodle  ``<Full Name>_<id>_assignsubmission_file_<filename>``, or the same name as a folder
          holding ``<filename>`` ("download submissions in folders")
  ======  ===============================================================================

  The student id is the name, lower case, accents dropped, anything but letters and digits
  replaced by ``_`` (Canvas ``lovelaceada``, Moodle ``Ada Lovelace`` -> ``ada_lovelace``), so
  the same student gets the same id in every chapter. The chapter is ``--chapter`` when
  given, else the chapter whose name the original file name is (``01_ann_basics.ipynb``,
  ``01_ann_basics-1.ipynb``). The notebook is written as ``<chapter>.ipynb`` whatever the
  student called it.

  Nothing is written from an entry's own path: the target is built from the student id and
  the chapter only, and entries with an absolute path, a ``..`` component or a link type are
  refused (zip slip). A file is *not placed*, with the reason printed, when it is not a
  notebook, its name matches neither pattern, its chapter is unknown, it is larger than the
  ``max_notebook_mb`` setting, two
  notebooks in the zip claim the same student and chapter, two LMS accounts would share one
  student id, or ``submitted/`` already holds a different notebook for that student and
  chapter (``--force`` replaces it; an identical one is left as it is).

nbgrader's own ``zip_collect`` is not used: it extracts every entry to disk by its own path
first and keeps the student's file name, where this course needs ``<chapter>.ipynb``, a refusal
of unsafe names before anything is written, and a report of every file it skipped.
"""

from __future__ import annotations

import re
import stat
import unicodedata
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from course.chapters import ROOT, CourseError, available_chapters, resolve_chapters
from course.nbgrader_cli import run_nbgrader
from course.settings import load_settings

CANVAS = re.compile(
    r"^(?P<name>[A-Za-z0-9-]+?)(?:_late)?_(?P<lms_id>\d+)_(?P<submission>\d+)_(?P<file>.+)$",
    re.IGNORECASE)
MOODLE = re.compile(r"^(?P<name>[^_/]+)_(?P<lms_id>\d+)_assignsubmission_file_/?(?P<file>[^/]+)$")
RESUBMITTED = re.compile(r"-\d+$")  # Canvas: 01_ann_basics-1.ipynb


@dataclass(frozen=True)
class Placed:
    """A notebook of the zip written to (or already in) ``submitted/``."""

    entry: str
    student: str
    chapter: str
    action: str  # "new", "replaced" (--force) or "unchanged" (identical notebook there)


@dataclass(frozen=True)
class NotPlaced:
    """A file of the zip that was not written, and why."""

    entry: str
    reason: str


@dataclass(frozen=True)
class _Claim:
    entry: zipfile.ZipInfo
    lms: str
    name: str
    lms_id: str
    student: str
    chapter: str


def student_id(name: str) -> str:
    """The course's student id for an LMS name: lower case ASCII letters, digits and ``_``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_")


def unsafe_reason(info: zipfile.ZipInfo) -> str | None:
    """Why an entry must not be used (zip slip, a link), or None."""
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "unsafe path (absolute); nothing written"
    if ".." in PurePosixPath(name).parts:
        return "unsafe path (contains '..'); nothing written"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link; nothing written"
    return None


def _match(name: str) -> tuple[str, re.Match] | None:
    """``(lms, match)`` for an entry's name (Moodle's folder form included), or None."""
    parts = name.split("/")
    last_two = "/".join(parts[-2:])
    for lms, pattern, candidates in (("Moodle", MOODLE, (parts[-1], last_two)),
                                     ("Canvas", CANVAS, (parts[-1],))):
        for candidate in candidates:
            match = pattern.match(candidate)
            if match:
                return lms, match
    return None


def _chapter_of(filename: str, chapter: str | None, chapters: list[str]) -> str | None:
    if chapter:
        return chapter
    stem = RESUBMITTED.sub("", filename[:-len(".ipynb")])
    return stem if stem in chapters else None


def _claims(archive: zipfile.ZipFile, chapter: str | None, chapters: list[str],
            max_mb: float) -> tuple[list[_Claim], list[NotPlaced]]:
    """Whose notebook, for which chapter, each file of the zip is; the others and why (a
    notebook over ``max_mb`` MB among them)."""
    claims, skipped = [], []
    for info in archive.infolist():
        if info.is_dir():
            continue
        reason = unsafe_reason(info)
        if reason:
            skipped.append(NotPlaced(info.filename, reason))
            continue
        found = _match(info.filename)
        if not found:
            skipped.append(NotPlaced(info.filename, "name matches neither the Canvas nor the "
                                                    "Moodle pattern (see `course collect -h`)"))
            continue
        lms, match = found
        filename = match["file"]
        if not filename.lower().endswith(".ipynb"):
            skipped.append(NotPlaced(info.filename, "not a notebook (only .ipynb files are "
                                                    "collected)"))
            continue
        target = _chapter_of(filename, chapter, chapters)
        if target is None:
            skipped.append(NotPlaced(info.filename, f"cannot tell the chapter from '{filename}' "
                                                    "(name one with --chapter)"))
            continue
        if info.file_size > max_mb * 2**20:
            skipped.append(NotPlaced(info.filename, f"larger than {max_mb:g} MB"))
            continue
        student = student_id(match["name"]) or f"student_{match['lms_id']}"
        claims.append(_Claim(info, lms, match["name"], match["lms_id"], student, target))
    return claims, skipped


def _ambiguous(claims: list[_Claim]) -> tuple[list[_Claim], list[NotPlaced]]:
    """Claims that name one notebook per student and chapter; the others are refused."""
    accounts = defaultdict(set)
    for claim in claims:
        accounts[claim.student].add((claim.lms, claim.lms_id))
    by_target = defaultdict(list)
    for claim in claims:
        by_target[(claim.student, claim.chapter)].append(claim)
    kept, refused = [], []
    for (student, chapter), group in by_target.items():
        if len(accounts[student]) > 1:
            ids = ", ".join(sorted(lms_id for _, lms_id in accounts[student]))
            refused += [NotPlaced(c.entry.filename, f"LMS accounts {ids} would share the "
                                                    f"student id '{student}'; place by hand")
                        for c in group]
        elif len(group) > 1:
            names = ", ".join(c.entry.filename for c in group)
            refused += [NotPlaced(c.entry.filename, f"{len(group)} notebooks for {student} / "
                                                    f"{chapter} in the zip ({names}); place "
                                                    "the right one by hand")
                        for c in group]
        else:
            kept += group
    return kept, refused


def collect_zip(zip_path: Path, root: Path = ROOT, chapter: str | None = None,
                force: bool = False) -> tuple[list[Placed], list[NotPlaced]]:
    """Place the notebooks of an LMS download under ``submitted/``; see the module doc."""
    if chapter is not None:
        (chapter,) = resolve_chapters([chapter], root)
    chapters = available_chapters(root)
    settings = load_settings(root)
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as error:
        raise CourseError(f"cannot read {zip_path}: {error}") from None
    placed: list[Placed] = []
    with archive:
        claims, skipped = _claims(archive, chapter, chapters, settings.max_notebook_mb)
        claims, refused = _ambiguous(claims)
        skipped += refused
        for claim in claims:
            target = settings.folder("submitted") / claim.student / claim.chapter / \
                f"{claim.chapter}.ipynb"
            try:
                data = archive.read(claim.entry)
            except (OSError, zipfile.BadZipFile, zlib.error) as error:
                skipped.append(NotPlaced(claim.entry.filename, f"unreadable in the zip: {error}"))
                continue
            action = "new"
            if target.exists():
                if target.read_bytes() == data:
                    placed.append(Placed(claim.entry.filename, claim.student, claim.chapter,
                                         "unchanged"))
                    continue
                if not force:
                    skipped.append(NotPlaced(
                        claim.entry.filename, f"{target.relative_to(root)} already exists and "
                                              "differs; --force replaces it"))
                    continue
                action = "replaced"
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.partial")
            partial.write_bytes(data)
            partial.replace(target)
            placed.append(Placed(claim.entry.filename, claim.student, claim.chapter, action))
    order = {info.filename: i for i, info in enumerate(archive.infolist())}
    placed.sort(key=lambda p: order[p.entry])
    skipped.sort(key=lambda s: order[s.entry])
    return placed, skipped


def collect_exchange(chapters: list[str], root: Path = ROOT) -> list[str]:
    """``nbgrader collect <chapter> --update`` for every chapter; returns what nbgrader said
    about each submission (collected, updated, nothing newer) and its warnings and errors,
    one line each."""
    if not load_settings(root).exchange:
        raise CourseError("COURSE_EXCHANGE is not set and nbgrader_config.py sets no "
                          "c.CourseSettings.exchange: name the exchange folder (or collect an "
                          "LMS download with --zip FILE)")
    lines = []
    for chapter in chapters:
        result = run_nbgrader(["collect", chapter, "--update"], root)
        lines += [message for level, message in _log_records(result.stderr)
                  if level in ("WARNING", "ERROR", "CRITICAL")
                  or (level == "INFO" and message.startswith(_REPORTED))]
    return lines


_REPORTED = ("Collecting submission", "Updating submission", "No newer submission")
_RECORD = re.compile(r"^\[\w+ \| (\w+)\] ?(.*)$")


def _log_records(log: str) -> list[tuple[str, str]]:
    """``(level, message)`` of each record of an nbgrader log, continuation lines joined."""
    records: list[tuple[str, list[str]]] = []
    for line in log.splitlines():
        match = _RECORD.match(line)
        if match:
            records.append((match[1], [match[2]]))
        elif records and line.strip():
            records[-1][1].append(line.strip())
    return [(level, " ".join(part for part in parts if part)) for level, parts in records]
