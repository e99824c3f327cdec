"""Reproducibility and environment helpers for each notebook's setup cell.

Taught in 01_ann_basics (setup cell); used by every chapter.
"""

from __future__ import annotations

import os
import platform
import warnings

DEFAULT_SEED = 42

# TensorFlow threads per kernel, set by the grader (course.settings: tf_threads).
THREADS_ENV = "COURSE_TF_THREADS"


def set_seed(seed: int = DEFAULT_SEED, deterministic: bool = True) -> None:
    """Seed Python, NumPy and TensorFlow/Keras so a notebook gives the same numbers every run.

    With ``deterministic`` TensorFlow also picks deterministic kernels, so a training run is
    repeatable on the same machine. When the environment variable ``COURSE_TF_THREADS`` is
    set (the grader sets it), TensorFlow uses that many threads per kernel, so grades do not
    depend on how many submissions run at once.
    """
    import keras
    import tensorflow as tf

    threads = os.environ.get(THREADS_ENV)
    if threads:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(int(threads))
            tf.config.threading.set_inter_op_parallelism_threads(int(threads))
        except RuntimeError:
            pass  # TensorFlow was already initialised in this kernel; keep its threads.
    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    warnings.filterwarnings("ignore", category=DeprecationWarning)


def device_summary() -> str:
    """One line naming the Python, TensorFlow and Keras versions and the devices in use."""
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    devices = f"{len(gpus)} GPU(s)" if gpus else "CPU only"
    return (
        f"Python {platform.python_version()} | TensorFlow {tf.__version__} | "
        f"Keras {keras.__version__} | {devices} ({os.cpu_count()} CPU cores)"
    )
