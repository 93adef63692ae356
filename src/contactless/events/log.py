"""The append-only segment log: where an event is durable before it is acknowledged.

A batch is one frame (a header with its length, CRC-32 and receive time, then the events as
msgpack), written with one ``write`` and made durable with ``fsync`` before ``append``
returns. Appends from several threads share an fsync (group commit): whoever syncs makes
durable everything written before it, so the disk's flush cost is paid once per group, not
per batch.

Each process writes its own segment and holds an exclusive ``flock`` on it while it is open;
a segment nobody holds (rotated, or left by a process that died) is what the compactor may
move into the lake. A frame cut short by a crash was never acknowledged: readers stop at the
first frame that is short or fails its CRC.
"""

from __future__ import annotations

import fcntl
import os
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"CLE1"
HEADER = struct.Struct("<4sIIq")  # magic, payload length, crc32, received_at (µs since epoch)
SUFFIX = ".seg"


@dataclass(frozen=True)
class Frame:
    received_at_us: int
    payload: bytes


class SegmentLog:
    """One process's writer. ``append`` returns once the frame is on disk."""

    def __init__(self, directory: Path, *, max_bytes: int, max_age_seconds: float) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.max_age_seconds = max_age_seconds
        directory.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._fd: int | None = None
        self._path: Path | None = None
        self._opened_at = 0.0
        self._size = 0
        self._written = 0  # frames written, in order
        self._synced = 0  # frames known durable

    def append(self, payload: bytes, *, received_at_us: int) -> None:
        frame = HEADER.pack(MAGIC, len(payload), zlib.crc32(payload), received_at_us) + payload
        with self._write_lock:
            fd = self._fd if self._fd is not None else self._open()
            os.write(fd, frame)
            self._size += len(frame)
            self._written += 1
            mine = self._written
        self._sync_until(mine)

    def _sync_until(self, mine: int) -> None:
        with self._sync_lock:
            if self._synced >= mine:
                return  # another thread's fsync covered this frame
            with self._write_lock:
                fd, upto = self._fd, self._written
            if fd is not None:
                os.fsync(fd)
            self._synced = upto
        self.rotate_if_due()

    def rotate_if_due(self) -> bool:
        """Close the segment when it is big or old enough, so the compactor may take it."""
        with self._sync_lock, self._write_lock:
            if self._fd is None or self._size == 0:
                return False
            full = self._size >= self.max_bytes
            old = time.monotonic() - self._opened_at >= self.max_age_seconds
            if not (full or old):
                return False
            self._close()
            return True

    def close(self) -> None:
        with self._sync_lock, self._write_lock:
            if self._fd is not None:
                self._close()

    def _open(self) -> int:
        name = f"{time.time_ns():020d}-{os.getpid()}-{uuid.uuid4().hex[:8]}{SUFFIX}"
        path = self.directory / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        _fsync_directory(self.directory)  # the new name survives a crash too
        self._fd, self._path, self._size = fd, path, 0
        self._opened_at = time.monotonic()
        return fd

    def _close(self) -> None:
        fd = self._fd
        if fd is None:
            return
        os.fsync(fd)
        self._synced = self._written
        os.close(fd)  # releases the flock: the segment is the compactor's now
        self._fd = self._path = None
        self._size = 0


def read_frames(path: Path) -> Iterator[Frame]:
    """The segment's whole frames, in order; a torn or damaged tail ends it."""
    data = path.read_bytes()
    offset = 0
    while offset + HEADER.size <= len(data):
        magic, length, crc, received = HEADER.unpack_from(data, offset)
        start = offset + HEADER.size
        payload = data[start:start + length]
        if magic != MAGIC or len(payload) < length or zlib.crc32(payload) != crc:
            return
        yield Frame(received, payload)
        offset = start + length


@contextmanager
def claimed(path: Path) -> Iterator[bool]:
    """Whether this process may take the segment (no writer holds it), holding it while
    the block runs."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def segments(directory: Path) -> list[Path]:
    """Segments oldest first (their names start with the time they were opened)."""
    if not directory.exists():
        return []
    return sorted(directory.glob(f"*{SUFFIX}"))


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


fsync_directory = _fsync_directory
