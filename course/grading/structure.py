"""Put a submitted notebook back into the assignment's shape before it is graded.

``RestoreStructure`` is the first step of nbgrader's sanitize pass (``nbgrader_config.py``).
It rebuilds the notebook from the released assignment, cell by cell:

- the student's answer cells (matched by grade id) replace the blank ones;
- locked cells (setup, tests) come from the release wherever the student's copy was
  deleted, retyped, edited or duplicated (nbgrader then puts the hidden tests back);
- the student's other cells (lesson text, examples, cells they added) stay right after the
  graded cell they followed, but no code goes before the setup cell;
- everything comes in the assignment's order, so a moved answer still runs before its test.

Structure and metadata come from the release, never from the student: a student can edit
any cell's metadata, and metadata steers how a cell runs (nbclient skips cells tagged
``skip-execution`` and lets ``raises-exception`` cells fail; nbgrader reads ``nbgrader``;
``course.grading.grading_notes`` reads ``course``; ``jupyter.source_hidden`` hides code from the
instructor's view). So:

- locked cells (setup, tests, every other cell with a grade id that is not an answer) are the
  release's cells exactly, source and metadata;
- answer cells keep the student's source (and a markdown answer's attachments) under the
  release's metadata;
- the student's other cells keep their source with no metadata at all.

The student's honest work is graded as if the structure had not been damaged, and every
repair the student could see is written into the grading notes (metadata swapped without
any visible effect is not noted, so an intact submission has no notes). The student's code
is then scanned (``course.grading.scan``) and the findings recorded as flags.
"""

from __future__ import annotations

import copy

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from course import notebooks as nbs
from course.grading import grading_notes, scan

# Tags nbclient acts on when it runs a cell (``NotebookClient.skip_cells_with_tag`` and the
# tag that lets a cell fail); a submission must not choose how its cells run.
EXECUTION_TAGS = ("skip-execution", "raises-exception")


class RestoreStructure(NbGraderPreprocessor):
    """Rebuild the notebook on the release's structure (see the module docstring)."""

    def preprocess(self, nb, resources):
        root = self.config.CourseDirectory.root or "."
        owner = grading_notes.identity_from(resources)
        release = nbs.assignment_notebook(root, "release", resources)
        if not release.is_file():
            grading_notes.add(nb, notes=["The notebook's structure was not checked: "
                                         f"{release} is missing."], root=root, identity=owner)
            return nb, resources
        rebuilt, notes = restore(nb, nbs.read(release))
        student_cells = [(_label(c, i), c.source) for i, c in enumerate(rebuilt.cells)
                         if c.cell_type == "code" and _written_by_student(c)]
        modules = scan.imported_names([c.source for c in rebuilt.cells if c.cell_type == "code"])
        grading_notes.add(rebuilt, notes=notes, flags=scan.scan(student_cells, modules),
                          root=root, identity=owner)
        return rebuilt, resources


def _label(cell, index: int) -> str:
    return nbs.grade_id(cell) or f"#{index + 1} (added by the student)"


def _written_by_student(cell) -> bool:
    meta = nbs.nbgrader_meta(cell)
    return not meta or bool(meta.get("solution"))


def restore(submitted, release) -> tuple[nbformat.NotebookNode, list[str]]:
    """The submission rebuilt on ``release``'s graded and locked cells (those with a grade
    id), with the student's other cells kept after the graded cell they followed, and a note
    for every repair made."""
    known = [nbs.grade_id(c) for c in release.cells if nbs.grade_id(c)]
    references = {nbs.grade_id(c): c for c in release.cells if nbs.grade_id(c)}
    setup_id = next((nbs.grade_id(c) for c in release.cells
                     if c.cell_type == "code" and nbs.grade_id(c)), None)
    before_setup = set(known[:known.index(setup_id)]) if setup_id else set()
    chosen, following, notes, anchor = {}, {}, [], None
    for index, cell in enumerate(submitted.cells):
        gid = nbs.grade_id(cell) if nbs.nbgrader_meta(cell) else None
        where = f"#{index + 1} of the handed-in notebook"
        notes += _tag_notes(cell, gid if gid in references else where)
        if gid in references and gid not in chosen:
            chosen[gid], anchor = cell, gid
            continue
        if gid in references:
            if not nbs.nbgrader_meta(references[gid]).get("solution"):
                notes.append(f"Cell {gid} appears twice; the copy was removed.")
                continue
            notes.append(f"Cell {gid} appears twice; the first copy is graded, the second "
                         "runs as an ordinary cell.")
        if _imitates_notes(cell):
            notes.append(f"Cell {where} carried grading-notes metadata; it was removed "
                         "(only the grader writes grading notes).")
            continue
        cell = _student_cell(cell)
        place = anchor
        if cell.cell_type == "code" and (place is None or place in before_setup):
            place = setup_id  # no student code before the setup cell
        following.setdefault(place, []).append(cell)
    if list(chosen) != [gid for gid in known if gid in chosen]:
        notes.append("Cells were moved; the notebook was graded in the assignment's order.")
    cells = list(following.pop(None, []))
    for gid in known:
        cells.append(_graded_cell(references[gid], chosen.get(gid), notes))
        cells += following.pop(gid, [])
    rebuilt = copy.deepcopy(submitted)
    seen_ids: set[str] = set()
    rebuilt.cells = [_fit_version(c, rebuilt, seen_ids) for c in cells]
    return rebuilt, notes


def _graded_cell(reference, submitted, notes: list[str]):
    """The cell graded under ``reference``'s grade id: the release's cell, holding the
    student's source (and attachments) when it is an answer cell."""
    gid = nbs.grade_id(reference)
    is_answer = bool(nbs.nbgrader_meta(reference).get("solution"))
    kind = "answer cell" if is_answer else "test cell" if nbs.is_test(reference) else "cell"
    if submitted is None:
        notes.append(f"The {kind} {gid} was missing; the assignment's version was used"
                     + (" (no answer)." if is_answer else "."))
        return copy.deepcopy(reference)
    if submitted.cell_type != reference.cell_type:
        notes.append(f"The {kind} {gid} was changed from {reference.cell_type} to "
                     f"{submitted.cell_type}; it was changed back.")
        fixed = copy.deepcopy(reference)
        if is_answer:
            fixed.source = submitted.source
        return fixed
    if not is_answer:
        if submitted.source != reference.source:
            notes.append(f"The {kind} {gid} was edited; the assignment's version was used.")
        return copy.deepcopy(reference)
    return _answer_cell(reference, submitted)


def _answer_cell(reference, submitted):
    """The student's answer under the release's metadata: tags, ``course`` keys, editable or
    deletable tricks and the like are dropped with the rest of the student's metadata."""
    answer = copy.deepcopy(reference)
    answer.source = submitted.source
    if answer.cell_type == "markdown" and submitted.get("attachments"):
        answer["attachments"] = copy.deepcopy(submitted["attachments"])  # images in an answer
    return answer


def _student_cell(cell):
    """A cell the student added (or a lesson cell without grade id): its content, without
    any metadata. Nothing in it may claim to be graded (``nbgrader``), to be grading notes
    (``course``), to be skipped or allowed to fail (tags), or hide from the instructor
    (``jupyter``); keeping none is safer than listing what to drop."""
    plain = copy.deepcopy(cell)
    plain["metadata"] = nbformat.NotebookNode()
    return plain


def _tag_notes(cell, label: str) -> list[str]:
    """A note when a submitted cell carries a tag that changes how nbclient runs it: the tag
    is dropped, so the cell runs (and its output shows) unlike the student may expect."""
    tags = cell.get("metadata", {}).get("tags", [])
    found = [tag for tag in EXECUTION_TAGS if _holds(tags, tag)]
    if not found:
        return []
    ignored = "the tag was ignored" if len(found) == 1 else "the tags were ignored"
    return [f"Cell {label} was tagged {', '.join(found)}; {ignored} (every cell runs and is "
            "graded the same way)."]


def _holds(tags, tag: str) -> bool:
    """``tag in tags`` as nbclient tests it (a string of tags matches a substring too)."""
    try:
        return tag in tags
    except TypeError:
        return False


def _imitates_notes(cell) -> bool:
    """A student markdown cell with ``course`` metadata: a leftover or forged grading-notes
    cell, dropped so that it is never shown as the grader's notes."""
    return cell.cell_type == "markdown" and "course" in cell.get("metadata", {})


def _fit_version(cell, nb, seen_ids: set[str]):
    """Cell ids as the notebook's format version wants them: none before 4.5, unique after."""
    if nb.get("nbformat_minor", 5) < 5:
        cell.pop("id", None)
    elif cell.get("id") in seen_ids or "id" not in cell:
        cell["id"] = nbformat.v4.new_code_cell().id
    seen_ids.add(cell.get("id"))
    return cell
