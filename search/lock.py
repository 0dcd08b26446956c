"""One writer per index: `index/.lock`, naming the process that holds it.

The lock is an OS lock on the file (flock on POSIX, msvcrt.locking on
Windows), so the OS releases it when the holder dies, even by kill -9. The
file's content (pid, host, start time) is only a label for messages: a
second run reads it to say who is busy, and a run that gets the lock and
still finds a label knows the previous holder died without cleaning up.
The file itself is never deleted: a process that opened it just before a
delete would lock an orphan inode while a third one locks a new file.
"""
from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import IndexBusy

LOCK_NAME = ".lock"
# Workers forked by a killed run inherit its lock and exit once they notice
# (workers._start_worker: within a tenth of a second); wait at most this long
# for them before calling the index busy.
ORPHAN_GRACE_SECONDS = 10.0
_WINDOWS_LOCK_OFFSET = 1 << 20  # lock a byte past the label, which must stay readable


@dataclass
class LockOwner:
    pid: int
    host: str
    started: float

    @property
    def here(self) -> bool:
        return self.host == socket.gethostname()

    def running(self) -> bool | None:
        """Whether the pid is alive (None when it is on another machine)."""
        return pid_alive(self.pid) if self.here else None

    def describe(self) -> str:
        where = "" if self.here else f"，在 {self.host} 上"
        return f"pid {self.pid}{where}"


class LockBusy(IndexBusy):
    def __init__(self, owner: LockOwner | None):
        self.owner = owner
        who = owner.describe() if owner else "pid 不明"
        super().__init__(f"另一个进程正在更新索引（{who}）")


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":
        import ctypes
        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        ctypes.windll.kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    return True


def _try_lock(fd: int) -> bool:
    if os.name == "nt":
        import msvcrt
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _unlock(fd: int) -> None:
    if os.name == "nt":
        import msvcrt
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl
        fcntl.flock(fd, fcntl.LOCK_UN)


def read_owner(path: Path) -> LockOwner | None:
    try:
        data = json.loads(path.read_text("utf-8") or "null")
        return LockOwner(int(data["pid"]), str(data["host"]), float(data["started"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


class IndexLock:
    """Held for a whole indexing run: `acquire()` … `release()`, or
    `with IndexLock(index_dir) as lock:`.

    `notes` says what was found and cleared on the way in (a stale label)."""

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / LOCK_NAME
        self.fd: int | None = None
        self.notes: list[str] = []

    def acquire(self) -> IndexLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not _try_lock(fd):
                owner = read_owner(self.path)
                if not self._wait_for_orphans(fd, owner):
                    raise LockBusy(owner)
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        stale = read_owner(self.path)
        if stale is not None:
            state = {False: "已不在运行", True: "它已不再持有锁",
                     None: "它已不再持有锁"}[stale.running()]
            self.notes.append(f"清除了 {stale.describe()} 留下的过期锁（{state}）")
        self._write_label()
        return self

    def _wait_for_orphans(self, fd: int, owner: LockOwner | None) -> bool:
        """The lock is held. If its labelled owner here is dead, the holders are
        workers it forked, which die soon: wait for them. True if locked."""
        if owner is None or owner.running() is not False:
            return False
        deadline = time.monotonic() + ORPHAN_GRACE_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if _try_lock(fd):
                return True
        return False

    def _write_label(self) -> None:
        """The label is only for messages: a full disk must not stop the run
        here (it would stop before it could say the disk is full)."""
        label = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                            "started": time.time()}).encode("utf-8")
        try:
            os.lseek(self.fd, 0, os.SEEK_SET)
            os.write(self.fd, label)
            os.ftruncate(self.fd, len(label))
        except OSError:
            pass

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            try:
                os.ftruncate(self.fd, 0)  # an empty label: released cleanly
            except OSError:
                pass
            _unlock(self.fd)
        finally:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> IndexLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
