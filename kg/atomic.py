"""Atomic writes: an interrupted build never leaves a half-written output behind.

:func:`staged_directory` builds the new output in a staging directory beside the output
directory and then swaps the two in one step (``renameat2(RENAME_EXCHANGE)`` on Linux), so a
build killed at any moment, even with SIGKILL, leaves either the previous output or the new
one, complete.  Where the exchange is not available the entries are moved one by one (each
file still replaced atomically).
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
#: errors of renameat2 that mean "not supported here": fall back to moving entry by entry
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM, errno.EXDEV}


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success.

    The file gets the permissions a plain write would give it: those of the file it replaces,
    else the default for new files (``0o666`` less the umask), not ``mkstemp``'s private 0600.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def _umask() -> int:
    """The process' umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` newlines) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def exchange(a: Path, b: Path) -> bool:
    """Swap two directories (or files) in one atomic step; False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(b))


def _link_tree(source: Path, target: Path) -> None:
    """``target`` as a copy of ``source`` made of hard links (copies where linking fails)."""
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
    elif source.is_dir():
        target.mkdir()
        shutil.copystat(source, target)
        for entry in source.iterdir():
            _link_tree(entry, target / entry.name)
    else:
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)


def _stage_prefix(out_dir: Path) -> str:
    return f".{out_dir.name}.staging-"


def remove_tree(path: Path) -> None:
    """Remove a directory tree, making read-only directories in it writable where needed (an
    output directory without write permission, swapped out, would otherwise stay behind)."""

    def retry(function, name, _exc_info) -> None:  # noqa: ANN001 (shutil's callback)
        try:
            os.chmod(os.path.dirname(name), 0o700)
            if os.path.isdir(name) and not os.path.islink(name):
                os.chmod(name, 0o700)
            function(name)
        except OSError:
            pass

    if os.path.lexists(path):
        shutil.rmtree(path, onerror=retry)


def reclaim_stale(parent: Path, prefix: str) -> None:
    """Remove the entries ``PREFIX<pid>-…`` of ``parent`` whose process is gone (what a build
    killed before its own clean-up left)."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)-")
    try:
        entries = list(parent.glob(glob_escape(prefix) + "*"))
    except OSError:
        return
    for entry in entries:
        match = pattern.match(entry.name)
        if match and not _alive(int(match.group(1))):
            remove_tree(entry)


def glob_escape(text: str) -> str:
    """``text`` with glob wildcards escaped."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def _remove_stale_stages(out_dir: Path) -> None:
    """Remove the staging directories that killed builds left beside ``out_dir``."""
    reclaim_stale(out_dir.parent, _stage_prefix(out_dir))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def staged_directory(out_dir: Path) -> Iterator[Path]:
    """Yield an empty staging directory; on success it becomes ``out_dir``.

    The staging directory is made beside ``out_dir``; at the end the entries of ``out_dir``
    that the build did not write are hard-linked into it and the two directories are swapped
    atomically, so ``out_dir`` holds either all of the old output or all of the new one at
    every moment.  Where that swap is impossible, each entry is moved into ``out_dir`` in turn
    (files replace their old versions with one ``os.replace`` each).  On an exception nothing in
    ``out_dir`` is touched and the staging directory is removed; staging directories of killed
    builds are removed by the next build.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "exists and is not a directory (the output "
                                 "is a directory)", str(out_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir = Path(os.path.realpath(out_dir))  # a symbolic link: swap the directory it names
    try:
        _remove_stale_stages(out_dir)
        stage = Path(tempfile.mkdtemp(prefix=f"{_stage_prefix(out_dir)}{os.getpid()}-",
                                      dir=out_dir.parent))
        beside = True
    except OSError:  # the parent is not writable: stage inside the output directory
        stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
        beside = False
    try:
        yield stage
        if not (beside and _swap(stage, out_dir)):
            _move_entries(stage, out_dir)
    finally:
        remove_tree(stage)


def _swap(stage: Path, out_dir: Path) -> bool:
    """Carry over what the build did not write, then exchange ``stage`` and ``out_dir``."""
    try:
        for entry in out_dir.iterdir():
            if not os.path.lexists(stage / entry.name):
                _link_tree(entry, stage / entry.name)
        shutil.copymode(out_dir, stage)
    except OSError:
        return False
    return exchange(stage, out_dir)  # on success ``stage`` holds the old output


def _move_entries(stage: Path, out_dir: Path) -> None:
    for entry in sorted(stage.iterdir()):
        target = out_dir / entry.name
        if entry.is_dir():
            old = None
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".old-{entry.name}-", dir=out_dir))
                os.replace(target, old / entry.name)
            os.replace(entry, target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(entry, target)
