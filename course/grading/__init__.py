"""Grading untrusted submissions (docs/grading-integrity.md says why each part exists).

- Intake: ``collect`` (exchange or LMS zip into ``submitted/``), ``autograde`` (one worker
  per submission, outcomes, locks), ``worker`` and ``forkserver`` (workers forked from a
  process that imported everything once), ``cluster`` and ``cluster_task`` (the same on
  Dask), ``environment`` (the grader's fingerprint a cluster worker must match).
- One submission, inside nbgrader's autograde: ``structure`` and ``scan`` (rebuild the
  notebook on the release, flag suspicious code), ``judged_execute`` (the Execute step: the
  student's kernel runs the answers, the judge kernel runs the tests), ``judge`` and
  ``judge_kernel`` (the judge side), ``student_kernel`` (the code the judge calls in the
  student's kernel), ``codec`` (what crosses between them, by value).
- The student's kernel: ``kernel_sandbox`` (bubblewrap or Landlock, a jupyter_client
  provisioner), ``sandbox`` (limits and privileges applied before the kernel runs),
  ``kernel_template`` (kernels forked warm into their sandbox), ``forked_kernel`` (the
  judge's kernel, forked), ``watchdog`` (memory and disk limits from outside).
- Results: ``gradebook`` (nbgrader's database, under a lock), ``outcomes`` (one record per
  graded submission), ``grading_notes`` (what the grader did, signed), ``written_files``
  (files a notebook wrote, kept beside the graded copy).
"""
