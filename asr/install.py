"""`sauti models add`: check a Vosk or Whisper model (a folder or a zip) and make it ready to register."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from .engine import find_model_root, load_model, validate_model_dir


class InstallError(Exception):
    """The model cannot be used; the message says why."""


def prepare_model(source: Path, data_dir: Path, language: str) -> tuple[Path, str]:
    """The checked model directory for `source` and its engine: a model folder as it is,
    or a zip unpacked into <data dir>/models/<language>/. The model is loaded once, so
    a damaged file is found here (ModelError), not by the worker."""
    source = Path(source).expanduser().resolve()
    if not source.exists():
        raise InstallError(f"{source} does not exist")
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise InstallError(f"{source} is neither a model folder nor a zip file")
        root = _unpack(source, Path(data_dir) / "models" / language)
    else:
        root = find_model_root(source)
        if root is None:
            raise InstallError(f"{source} is neither a Vosk nor a Whisper model: {'; '.join(validate_model_dir(source))}")
    loaded = load_model(language, root)
    return root, loaded.engine


def _unpack(archive: Path, target: Path) -> Path:
    staging = target.parent / f".{target.name}.unpacking"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.infolist():
                destination = (staging / member.filename).resolve()
                if not destination.is_relative_to(staging.resolve()):
                    raise InstallError(f"{archive.name}: unsafe path in zip: {member.filename}")
            zf.extractall(staging)
        root = find_model_root(staging)
        if root is None:
            raise InstallError(
                f"{archive.name} holds no Vosk model (am/, conf/ and graph/ with HCLG.fst or HCLr.fst + Gr.fst) "
                "and no Whisper model (model.bin, config.json, tokenizer.json, vocabulary.json)"
            )
        final = target / root.name if root != staging else target / archive.stem
        if final.exists():
            shutil.rmtree(final)
        final.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(root), str(final))
        return final
    except zipfile.BadZipFile as exc:
        raise InstallError(f"{archive.name} is not a readable zip: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
