"""Where things are: the repository, its seed reports, and a copy of them."""
from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))


def copy_seeds(dest: Path) -> Path:
    """The five seed reports copied into `dest` (made if missing); `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS:
        shutil.copy(seed, dest / seed.name)
    return dest
