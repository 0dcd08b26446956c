""".doc / .wps (old binary Word / WPS formats): antiword or catdoc, when installed."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .base import MAX_TEXT_BYTES, Extracted, UnreadableFile, too_large
from .docx import read_docx
from .html import html_to_document
from .text import decode_bytes

_OLD_FORMATS = {".doc": "旧版 Word 文件（.doc）", ".wps": "旧版 WPS 文件（.wps）"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_old_word(path: Path, suffix: str) -> Extracted:
    """antiword, else catdoc (Debian packages), found on PATH; a .doc that is really a
    .docx, HTML or plain text (Word and WPS save those under .doc too) is read as such."""
    label = _OLD_FORMATS[suffix]
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head.startswith(b"PK\x03\x04"):
        return read_docx(path)
    if head.startswith(b"{\\rtf"):
        raise UnreadableFile(f"这是存成 {suffix} 的 RTF 文件：请另存为 .docx")
    if not head.startswith(_OLE_MAGIC):
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:  # text saved as .doc has the text limit, not the container's
            raise UnreadableFile(too_large(size, "磁盘上", MAX_TEXT_BYTES))
        sniff = head.lstrip().lower()
        text = decode_bytes(path.read_bytes())
        is_html = sniff.startswith((b"<html", b"<!doctype", b"mime-version"))
        return html_to_document(text) if is_html else Extracted(text)
    tools = [(name, cmd) for name, cmd in (
        ("antiword", ["antiword", "-m", "UTF-8.txt", "-w", "0"]),
        ("catdoc", ["catdoc", "-d", "utf-8", "-w"]),
    ) if shutil.which(name)]
    if not tools:
        raise UnreadableFile(f"{label}：请安装 antiword 或 catdoc，或另存为 .docx")
    failures = []
    for name, cmd in tools:
        try:
            done = subprocess.run([*cmd, str(path)], capture_output=True, timeout=120, check=False)
        except subprocess.TimeoutExpired:
            failures.append(f"{name} 超时")
            continue
        text = done.stdout.decode("utf-8", errors="replace")
        if done.returncode == 0 and text.strip():
            return Extracted(text.replace("\x0c", "\n"))
        message = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        failures.append(f"{name}：{message[0] if message else f'退出码 {done.returncode}'}")
    raise UnreadableFile(f"读不出{label}（{'；'.join(failures)}）：请另存为 .docx"[:240])
