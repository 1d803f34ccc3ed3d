"""Registering a model in config.toml: the [asr.models] table is edited in place, so the
file's comments and every other setting stay as the operator left them."""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from pathlib import Path

TABLE = "[asr.models]"
TABLE_LINE = re.compile(r"^\s*\[\s*asr\s*\.\s*models\s*\]\s*(#.*)?$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]+)?$")


def set_model(config_path: Path, language: str, model_dir: Path) -> None:
    """Set `language = "model_dir"` in [asr.models], replacing an existing entry."""
    if not LANGUAGE_CODE.match(language):
        raise ValueError(f"{language!r} is not a language code (two or three lower-case letters, e.g. sw)")
    text = config_path.read_text(encoding="utf-8")
    line = f"{language} = {json.dumps(str(model_dir), ensure_ascii=False)}"
    lines = text.splitlines()
    header, end, existing = _locate(lines, language)
    if header is None:
        lines += ["", TABLE, line]
    elif existing is not None:
        lines[existing] = line
    else:
        last = max((i for i in range(header + 1, end) if lines[i].strip()), default=header)
        lines.insert(last + 1, line)
    new_text = "\n".join(lines) + "\n"
    try:
        parsed = tomllib.loads(new_text)  # never write a file that does not parse
    except tomllib.TOMLDecodeError:
        parsed = {}
    if parsed.get("asr", {}).get("models", {}).get(language) != str(model_dir):
        raise ValueError(
            f"could not register the model in {config_path}: add `{line}` under {TABLE} by hand"
        )
    _write_atomically(config_path, new_text)


def remove_model(config_path: Path, language: str) -> bool:
    """Delete `language`'s line from [asr.models]; False if it had none."""
    text = config_path.read_text(encoding="utf-8")
    lines = text.splitlines()
    _, _, existing = _locate(lines, language)
    if existing is None:
        return False
    del lines[existing]
    new_text = "\n".join(lines) + "\n"
    try:
        parsed = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError:
        parsed = None
    if parsed is None or language in parsed.get("asr", {}).get("models", {}):
        raise ValueError(f"could not remove the model from {config_path}: delete `{language} = ...` "
                         f"under {TABLE} by hand")
    _write_atomically(config_path, new_text)
    return True


def _locate(lines: list[str], language: str) -> tuple[int | None, int, int | None]:
    """The [asr.models] header's index, where its table ends, and `language`'s line in it (None if absent)."""
    header = next((i for i, raw in enumerate(lines) if TABLE_LINE.match(raw)), None)
    if header is None:
        return None, len(lines), None
    end = next((i for i in range(header + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    key = re.compile(rf"^\s*{re.escape(language)}\s*=")
    return header, end, next((i for i in range(header + 1, end) if key.match(lines[i])), None)


def _write_atomically(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777
    fd, tmp = tempfile.mkstemp(prefix=".config-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
