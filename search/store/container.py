"""One companion file per Whoosh segment: named arrays in one file.

Layout: 8 bytes magic, 8 bytes header length, a JSON header, then the
arrays, each aligned to 64 bytes. The header names every array (dtype,
shape, offset, CRC-32) and carries free-form `info`. A reader maps the file
once and views each array in place, so opening costs a header read, not a
copy. Checks:

- on open: the file's size is what the header says, the header's own CRC,
  and the CRC of every array marked `small` (read in full anyway);
- `verify()`: the CRC of every array (reports check-index, and a run that
  rewrites the segment reads it whole anyway).
"""
from __future__ import annotations

import json
import mmap
import os
import zlib
from pathlib import Path

import numpy as np

from ..errors import Unavailable

MAGIC = b"RSCOMP01"
ALIGN = 64


class Damaged(Unavailable):
    """A companion file that is not what its writer wrote."""

    def __init__(self, path: Path, what: str):
        super().__init__(f"{path.name}: {what}")
        self.path, self.what = path, what


def file_crc(path: Path) -> int:
    """CRC-32 of a whole file, read in chunks."""
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
    return crc


def _pad(n: int) -> int:
    return (-n) % ALIGN


class ContainerWriter:
    """Arrays are appended to a temporary file; `close()` writes the header in
    front and moves the file to its name, so a half-written one never has it."""

    def __init__(self, path: Path, info: dict):
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + ".part")
        self._body = open(self.tmp, "wb")
        self._offset = 0
        self._arrays: dict[str, dict] = {}
        self.info = info

    def add(self, name: str, array: np.ndarray, small: bool = False) -> None:
        array = np.ascontiguousarray(array)
        data = memoryview(array).cast("B") if array.size else b""
        self._arrays[name] = {"dtype": array.dtype.str, "shape": list(array.shape),
                              "offset": self._offset, "nbytes": array.nbytes,
                              "crc": zlib.crc32(data), "small": small}
        self._body.write(data)
        pad = _pad(array.nbytes)
        self._body.write(b"\0" * pad)
        self._offset += array.nbytes + pad

    def close(self) -> int:
        """Write the file; returns its size."""
        self._body.close()
        header = json.dumps({"info": self.info, "arrays": self._arrays},
                            ensure_ascii=False).encode("utf-8")
        header += b" " * _pad(16 + len(header) + 4)
        head = (MAGIC + len(header).to_bytes(8, "little") + header
                + zlib.crc32(header).to_bytes(4, "little"))
        final = self.path.with_name(self.path.name + ".tmp")
        with open(final, "wb") as out, open(self.tmp, "rb") as body:
            out.write(head)
            while chunk := body.read(1 << 22):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.unlink(self.tmp)
        os.replace(final, self.path)
        return self.path.stat().st_size

    def abandon(self) -> None:
        self._body.close()
        for p in (self.tmp, self.path.with_name(self.path.name + ".tmp")):
            try:
                os.unlink(p)
            except OSError:
                pass


class Container:
    """A companion file opened for reading (memory-mapped, read-only)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            with open(self.path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        except (OSError, ValueError) as exc:
            raise Damaged(self.path, f"cannot be read ({exc})") from None
        buf = self._map
        if buf is None or size < 20 or buf[:8] != MAGIC:
            raise Damaged(self.path, "not a companion file (truncated or overwritten)")
        length = int.from_bytes(buf[8:16], "little")
        if 16 + length + 4 > size:
            raise Damaged(self.path, "truncated header")
        header = bytes(buf[16:16 + length])
        if zlib.crc32(header) != int.from_bytes(buf[16 + length:20 + length], "little"):
            raise Damaged(self.path, "header checksum does not match")
        meta = json.loads(header)
        self.info: dict = meta["info"]
        self._arrays: dict[str, dict] = meta["arrays"]
        self._base = 20 + length
        end = max((a["offset"] + a["nbytes"] + _pad(a["nbytes"]) for a in self._arrays.values()),
                  default=0)
        if self._base + end != size:
            raise Damaged(self.path, f"size {size} bytes, expected {self._base + end}")
        for name, a in self._arrays.items():
            if a["small"]:
                self._check(name)

    def names(self) -> list[str]:
        return list(self._arrays)

    def __contains__(self, name: str) -> bool:
        return name in self._arrays

    def array(self, name: str) -> np.ndarray:
        a = self._arrays.get(name)
        if a is None:
            raise Damaged(self.path, f"has no array {name!r}")
        dtype = np.dtype(a["dtype"])
        if not a["nbytes"]:
            return np.zeros(a["shape"], dtype=dtype)
        start = self._base + a["offset"]
        return np.frombuffer(self._map, dtype=dtype, count=a["nbytes"] // dtype.itemsize,
                             offset=start).reshape(a["shape"])

    def raw(self, name: str) -> memoryview:
        a = self._arrays[name]
        start = self._base + a["offset"]
        return memoryview(self._map)[start:start + a["nbytes"]] if a["nbytes"] else memoryview(b"")

    def _check(self, name: str) -> None:
        if zlib.crc32(self.raw(name)) != self._arrays[name]["crc"]:
            raise Damaged(self.path, f"array {name!r} checksum does not match")

    def verify(self) -> None:
        """Check every array's CRC (reads the whole file)."""
        for name in self._arrays:
            self._check(name)

    @property
    def nbytes(self) -> int:
        return len(self._map) if self._map is not None else 0
