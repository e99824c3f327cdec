"""A thread outside the student's kernel that enforces its memory and disk limits.

Every 0.1 s it sums the resident memory of the kernel process and all its descendants; every
second it measures the sandbox folder. Past either limit it kills the whole process family
and records why (``reason``), so the executor can tell the student which limit was hit.
``stop()`` ends the thread (on restart and when grading ends).
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import psutil


def folder_bytes(folder: Path) -> int:
    """Total size in bytes of the files below ``folder`` (links not followed)."""
    total = 0
    for base, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(base, name)).st_size
            except OSError:
                pass
    return total


class ResourceWatchdog:
    """Kills the process ``pid`` and its descendants when they pass the limits."""

    def __init__(self, pid: int, folder: Path, memory_mb: int, disk_mb: int):
        self.pid, self.folder = pid, folder
        self.memory_mb, self.disk_mb = memory_mb, disk_mb
        self.reason = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "ResourceWatchdog":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        tick = 0
        while not self._stop.wait(0.1):
            try:
                kernel = psutil.Process(self.pid)
                family = [kernel, *kernel.children(recursive=True)]
                used = sum(p.memory_info().rss for p in family)
            except (psutil.Error, TypeError, ValueError):
                return
            if used > self.memory_mb * 2**20:
                self.reason = f"it used more than the memory limit ({self.memory_mb} MB)"
            elif tick % 10 == 0 and folder_bytes(self.folder) > self.disk_mb * 2**20:
                self.reason = f"it wrote more than the disk limit ({self.disk_mb} MB)"
            tick += 1
            if self.reason:
                for process in family:
                    try:
                        process.send_signal(signal.SIGKILL)
                    except psutil.Error:
                        pass
                return
