"""Is a SQLite connection still writing the file at the store's path?

An open SQLite connection keeps writing to its file after that file (or its folder) is deleted or replaced: the
writes succeed, and the next start, which opens the path, never sees them. Each connection remembers which file it
opened (device and inode); the store compares that with what the path names now."""

from __future__ import annotations

import os
from pathlib import Path

FileId = tuple[int, int]
INFO_KEY = "sqlite_file"  # where a connection's FileId is kept, in its pool record's info dict


class DatabaseFileError(RuntimeError):
    """The SQLite file is not at the store's path (deleted or replaced, and not made again): nothing there is kept."""


def file_id(path: str | os.PathLike) -> FileId | None:
    """The (device, inode) of the file at `path`, or None when nothing is there."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def make_folder(path: str | os.PathLike) -> None:
    """Create the database file's folder if it is missing."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)


def still_at_path(info: dict, path: str | os.PathLike) -> bool:
    """Whether the connection whose pool info is `info` has the file that `path` names now."""
    opened = info.get(INFO_KEY)
    return opened is not None and opened == file_id(path)
