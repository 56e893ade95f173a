"""Regenerate the single pre-release migration ``0001_initial`` from the models.

Until adwatch's first release there is one initial revision. Run this after changing any model:
``python -m storage.migrations.regen_initial``. After the first release, add normal revisions instead.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from storage.db import MIGRATIONS_DIR, alembic_config


def main() -> None:
    versions = MIGRATIONS_DIR / "versions"
    for old in versions.glob("*0001_initial*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = alembic_config(f"sqlite:///{Path(tmp) / 'blank.db'}")
        command.revision(cfg, message="initial", autogenerate=True, rev_id="0001",
                         version_path=str(versions))
    for new in versions.glob("0001_initial.py"):
        new.rename(versions / "2026-11-22_0001_initial.py")
    print("regenerated", list(versions.glob("*0001_initial*.py")))


if __name__ == "__main__":
    main()
