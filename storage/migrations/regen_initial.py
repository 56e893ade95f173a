"""Regenerate the single pre-release migration ``0001_initial`` from the models.

Until adwatch's first release there is one initial revision. Run this after changing any model:
``python -m storage.migrations.regen_initial``. After the first release, add normal revisions instead.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from alembic import command

from storage.db import MIGRATIONS_DIR, alembic_config


def main() -> None:
    versions = MIGRATIONS_DIR / "versions"
    for old in versions.glob("*0001_initial*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        # Later revisions (e.g. 0002, PostgreSQL-only indexes) depend on 0001: park them while 0001 is rebuilt.
        parked = Path(tmp) / "parked"
        parked.mkdir()
        later = [p for p in versions.glob("*.py") if "0001_initial" not in p.name]
        for path in later:
            shutil.move(path, parked / path.name)
        try:
            cfg = alembic_config(f"sqlite:///{Path(tmp) / 'blank.db'}")
            command.revision(cfg, message="initial", autogenerate=True, rev_id="0001",
                             version_path=str(versions))
        finally:
            for path in later:
                shutil.move(parked / path.name, path)
    for new in versions.glob("0001_initial.py"):
        new.rename(versions / "2026-11-22_0001_initial.py")
    print("regenerated", list(versions.glob("*0001_initial*.py")))


if __name__ == "__main__":
    main()
