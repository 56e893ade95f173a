"""Content-addressed blob store for photos: ``<root>/<kind>/ab/cd/<sha256><ext>``.

Files are written to a temporary name and renamed, so a killed process never leaves a half file under a
final name; a file without a DB row (killed between write and commit) is harmless and reused next time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class BlobStore:
    """BlobStore: write-once files named by the sha256 of their bytes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._root = str(self.root)

    def relative_path(self, sha256: str, kind: str, ext: str) -> str:
        return f"{kind}/{sha256[:2]}/{sha256[2:4]}/{sha256}{ext}"

    def put(self, data: bytes, *, kind: str = "photos", ext: str = "") -> tuple[str, str]:
        """put ((sha256, relative path)): store ``data`` once; an existing identical file is kept."""
        sha256 = hashlib.sha256(data).hexdigest()
        rel = self.relative_path(sha256, kind, ext)
        # Plain strings, not pathlib: a crawl stores one photo every ~0.1 ms and pathlib's joins and stat
        # wrappers were a visible part of that (same checks, same temp-then-rename).
        final = f"{self._root}/{rel}"
        if not os.path.exists(final):
            folder = os.path.dirname(final)
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, final)
        return sha256, rel

    def open_path(self, rel: str) -> Path:
        """open_path (Path): absolute path of a stored blob; refuses paths escaping the store."""
        path = (self.root / rel).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"blob path escapes the store: {rel!r}")
        return path

    def delete(self, rel: str) -> bool:
        path = self.open_path(rel)
        if path.exists():
            path.unlink()
            return True
        return False
