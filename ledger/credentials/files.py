"""Writing credential files durably: every file first, then one sync phase.

On ext4 the cost of a durable batch is file creation in the kernel, not the sync: one ``syncfs`` for
100,000 files took about 2 s here, while ``fsync`` per file costs milliseconds each.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledger.credentials.document import Credential

__all__ = ["DURABILITY_MODES", "WriteReport", "default_filename", "write_credentials", "write_documents"]

#: How :func:`write_credentials` makes files durable.
DURABILITY_MODES = ("none", "fsync", "syncfs")


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What :func:`write_credentials` did and how long the two phases took."""

    paths: tuple[Path, ...]
    bytes_written: int
    write_seconds: float
    sync_seconds: float
    durability: str


def _syncfs() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syncfs  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def default_filename(credential: Credential, index: int) -> str:
    """``<uuid>.json`` for ``urn:uuid:<uuid>``."""
    return credential.id.rsplit(":", 1)[1] + ".json"


def write_credentials(
    directory: Path,
    credentials: Iterable[Credential],
    *,
    durability: str = "syncfs",
    filename: Callable[[Credential, int], str] = default_filename,
    overwrite: bool = False,
) -> WriteReport:
    """Write each credential to its own file (mode 0600: it names the holder), then make them durable.

    All files are written first, then synced in one phase, which lets the kernel batch the disk work:

    * ``"syncfs"``: one ``syncfs(2)`` for the directory's file system, then ``fsync`` of the directory
      (Linux; elsewhere it falls back to ``"fsync"``). It flushes other dirty data on that file system too.
    * ``"fsync"``: ``fsync`` every file, then the directory.
    * ``"none"``: leave it to the page cache (a crash may lose recent files).

    Raises:
        FileExistsError: a file is already there and ``overwrite`` is false.
    """
    documents = ((filename(c, i), c.to_json()) for i, c in enumerate(credentials))
    return write_documents(directory, documents, durability=durability, overwrite=overwrite)


def write_documents(
    directory: Path,
    documents: Iterable[tuple[str, bytes]],
    *,
    durability: str = "syncfs",
    overwrite: bool = False,
) -> WriteReport:
    """Write ``(file name, bytes)`` pairs as files of ``directory`` (mode 0600), then make them durable
    as :func:`write_credentials` says.

    Raises:
        ValueError: a name is not a plain file name, or ``durability`` is unknown.
        FileExistsError: a file is already there and ``overwrite`` is false.
    """
    import time

    from ledger.files import make_directory

    if durability not in DURABILITY_MODES:
        raise ValueError(f"durability must be one of {', '.join(DURABILITY_MODES)}")
    make_directory(directory, durable=durability != "none")  # 0700: the files name their holders
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | (os.O_TRUNC if overwrite else os.O_EXCL)
    paths = []
    total = 0
    started = time.perf_counter()
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        for name, data in documents:
            if not name or "/" in name or name in (".", ".."):
                raise ValueError(f"{name!r} is not a plain file name")
            # Relative to the open directory: no path walk per file.
            fd = os.open(name, flags, 0o600, dir_fd=dir_fd)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            paths.append(name)
            total += len(data)
        written = time.perf_counter()
        sync = _syncfs() if durability == "syncfs" else None
        if durability == "syncfs" and sync is None:
            durability = "fsync"
        if sync is not None and sync(dir_fd) != 0:
            import ctypes

            errno = ctypes.get_errno()
            raise OSError(errno, f"syncfs failed: {os.strerror(errno)}", str(directory))
        if durability == "fsync":
            # Reopening is cheap next to the flush; keeping 100k descriptors open is not possible.
            for name in paths:
                fd = os.open(name, os.O_RDONLY, dir_fd=dir_fd)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        if durability != "none":
            os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return WriteReport(
        tuple(directory / name for name in paths),
        total,
        written - started,
        time.perf_counter() - written,
        durability,
    )
