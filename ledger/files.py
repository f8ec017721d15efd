"""Private, durable files: atomic writes with mode 0600, directories made 0700, fsync of names.

Everything the workspace keeps that must survive a crash or a power cut (keystores, the vault, the
issuance journal, credential bundles, the config file) is written through :func:`write_private_file`.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


def write_private_file(
    path: Path, content: bytes | Iterable[bytes], *, durable: bool = True, exclusive: bool = False
) -> None:
    """Write ``content`` to ``path`` atomically with mode 0600 (temp file, fsync, rename, fsync of the
    directory, so that the new name survives a power cut too; missing directories are made 0700, each
    made durable in its parent).

    ``content`` may come in pieces (an iterable of bytes), written as they come: a large file is never
    held in memory whole, and a durable one is handed to the disk as it goes (every
    :data:`WRITEBACK_EVERY` bytes, see :func:`_writeback_starter`). ``durable=False`` skips the fsyncs
    (the rename stays atomic).

    The temporary file (``.<name>.<8 hex>.tmp``) is held with an ``flock`` while it is written. A
    process killed mid-write (SIGKILL reaches no clean-up handler) leaves it behind, unlocked:
    :func:`sweep_leftovers` removes such files, and only such files.

    Raises:
        FileExistsError: ``exclusive`` and ``path`` exists (checked atomically: the finished temp file is
            hard-linked to the name, which fails if the name is taken, where a rename would replace it).
    """
    make_directory(path.parent, durable=durable)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    _mark_in_use(fd)
    start_writeback = _writeback_starter() if durable else None
    try:
        with os.fdopen(fd, "wb") as fh:
            unflushed = 0
            for piece in (content,) if isinstance(content, (bytes, bytearray, memoryview)) else content:
                fh.write(piece)
                unflushed += len(piece)
                if start_writeback is not None and unflushed >= WRITEBACK_EVERY:
                    start_writeback(fd)
                    unflushed = 0
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if exclusive:
            _link_exclusive(tmp, path)
        else:
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)
    if durable:
        fsync_directory(path.parent)


#: How much of a large durable file is written before the kernel is asked to start writing it out.
WRITEBACK_EVERY = 16 * 1024 * 1024


@cache
def _writeback_starter() -> Callable[[int], object] | None:
    """``start(fd)``: start writing out the file's dirty pages, without waiting for them (Linux's
    ``sync_file_range(2)`` with ``SYNC_FILE_RANGE_WRITE``); None elsewhere.

    A large file written in pieces then reaches the disk while the rest is being made, and the
    closing ``fsync`` waits for the last part only: for a 370 MB bundle that wait went from about
    0.15 s to a few ms here. It is only a head start: durability still comes from the ``fsync``, and
    a failed call changes nothing.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes  # only here: the os module has no sync_file_range

        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    write = 2  # SYNC_FILE_RANGE_WRITE: start writeback of the dirty pages in the range (0, 0: all)
    return lambda fd: function(fd, 0, 0, write)


#: The name of a temporary file of :func:`write_private_file` (and of the probe files written to test
#: that a directory is writable): what :func:`sweep_leftovers` may remove.
LEFTOVER = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp\Z|^\.ledger-probe-[0-9a-f]{8}\Z")


def _mark_in_use(fd: int) -> None:
    """Hold an exclusive ``flock`` on a temporary file while it is written (released by the kernel when
    the file is closed or its process dies), so that a sweep can tell a live write from a leftover."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)


def is_leftover_name(name: str) -> bool:
    """Whether ``name`` is the name of a temporary or probe file this package writes (never a document)."""
    return bool(LEFTOVER.match(name))


def sweep_leftovers(directory: Path) -> list[Path]:
    """Remove the temporary files that writers killed mid-write left in ``directory`` (not below it).

    Only files named like :data:`LEFTOVER` whose writer is gone are removed: a temporary file that a
    live writer holds (its ``flock``, see :func:`write_private_file`) is left alone, so a sweep never
    breaks another process's write. Where ``flock`` is missing (Windows) only files untouched for a
    day are removed. A leftover may hold personal data (a bundle's holder names), so it is not kept.

    Returns:
        The files removed (none if ``directory`` does not exist).
    """
    removed: list[Path] = []
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for name in names:
        if not LEFTOVER.match(name):
            continue
        path = directory / name
        if _abandoned(path):
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            removed.append(path)
    return removed


def _abandoned(path: Path) -> bool:
    if fcntl is None:
        try:
            return time.time() - path.stat().st_mtime > 86_400
        except OSError:
            return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a live writer holds it
    finally:
        os.close(fd)
    return True


def _link_exclusive(tmp: Path, path: Path) -> None:
    """Give ``tmp`` the name ``path`` unless that name exists; ``tmp`` is gone afterwards."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename (a narrow race remains)
        if path.exists():
            raise FileExistsError(errno.EEXIST, "file exists", str(path)) from None
        os.replace(tmp, path)
        return
    tmp.unlink()


def make_directory(path: Path, *, durable: bool = True, mode: int = 0o700) -> None:
    """Create ``path`` and its missing parents (``mode``, 0700 by default: they hold private files);
    with ``durable``, fsync the parent of each one made, so that its name survives a power cut."""
    missing = []
    current = path
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=mode)
        except FileExistsError:
            if not directory.is_dir():
                raise
            continue
        if durable:
            fsync_directory(directory.parent)


#: fsync errors meaning "this file system does not sync directories" (the files themselves are synced).
_NO_DIRECTORY_SYNC = {errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF}


def fsync_directory(directory: Path) -> None:
    """Make the names in ``directory`` durable (``fsync`` of the directory). Windows, which cannot open
    a directory, is skipped; a file system that refuses directory fsync is tolerated; any other error
    (an I/O error, too many open files, no permission) is raised, since durability would be lost."""
    if os.name == "nt":
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_DIRECTORY_SYNC:
            raise
    finally:
        os.close(fd)
