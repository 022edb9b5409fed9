"""Model files: a zip of ``manifest.json`` and ``arrays.npz``. No pickle, anywhere.

The manifest holds the format version, the registry name, the parameters, the schema, the transformer
and generator state (JSON), the library version and a SHA-256 of ``arrays.npz``. Arrays load with
``allow_pickle=False``; deep generators store their torch state dicts as plain arrays in the same npz.
A corrupt, foreign, tampered or too-new file raises :class:`ModelFileError` saying what to do.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from typing import TYPE_CHECKING, Any

import numpy as np

from synthwise._version import __version__
from synthwise.errors import InvalidParameterError, ModelFileError
from synthwise.io import write_bytes

if TYPE_CHECKING:
    from synthwise.generators.base import Generator

FORMAT = "synthwise.model"
FORMAT_VERSION = 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot store {type(value).__name__} in a model file")


def save_generator(gen: Generator, path: str | os.PathLike[str]) -> str:
    fields, all_arrays = gen.state()
    for key, arr in all_arrays.items():
        if arr.dtype == object:
            raise TypeError(f"array {key!r} has dtype object, which model files refuse to store")
    buf = io.BytesIO()
    np.savez_compressed(buf, **all_arrays)  # type: ignore[arg-type]
    npz = buf.getvalue()
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generator": gen.name,
        "library_version": __version__,
        **fields,
        "params": _jsonable(fields["params"]),
        "transformer": _jsonable(fields["transformer"]),
        "state": _jsonable(fields["state"]),
        "arrays_sha256": hashlib.sha256(npz).hexdigest(),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False))
        zf.writestr("arrays.npz", npz)
    write_bytes(out.getvalue(), path)
    return str(path)


def read_manifest(path: str | os.PathLike[str]) -> tuple[dict[str, Any], bytes]:
    p = str(path)
    if not os.path.exists(p):
        raise ModelFileError(f"Model file {p!r} does not exist. Fix: check the path.")
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
            if "manifest.json" not in names or "arrays.npz" not in names:
                raise ModelFileError(
                    f"Model file {p!r} is not a synthwise model (no manifest.json / arrays.npz). "
                    "Fix: pass a file written by 'synthwise fit' or Generator.save()."
                )
            manifest = json.loads(zf.read("manifest.json").decode("utf-8"))
            npz = zf.read("arrays.npz")
    except zipfile.BadZipFile as exc:
        raise ModelFileError(
            f"Model file {p!r} is corrupt or not a synthwise model (not a zip archive). "
            "Fix: refit and save the model again."
        ) from exc
    except (json.JSONDecodeError, UnicodeDecodeError, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise ModelFileError(
            f"Model file {p!r} is corrupt ({exc}). Fix: refit and save the model again."
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFileError(
            f"Model file {p!r} is not a synthwise model. Fix: pass a file written by synthwise."
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"Model file {p!r} has format version {version!r}, newer than this synthwise reads "
            f"({FORMAT_VERSION}). Fix: upgrade synthwise (pip install -U synthwise)."
        )
    if hashlib.sha256(npz).hexdigest() != manifest.get("arrays_sha256"):
        raise ModelFileError(
            f"Model file {p!r} failed its checksum: the arrays were altered or truncated. "
            "Fix: refit and save the model again."
        )
    return manifest, npz


def load_generator(path: str | os.PathLike[str]) -> Generator:
    from synthwise.generators.registry import get

    manifest, npz = read_manifest(path)
    try:
        cls = get(str(manifest.get("generator")))
    except InvalidParameterError as exc:
        raise ModelFileError(
            f"Model file {str(path)!r} names an unknown generator {manifest.get('generator')!r}. "
            "Fix: upgrade synthwise or refit."
        ) from exc
    try:
        with np.load(io.BytesIO(npz), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        gen = cls.restore(manifest, arrays)
    except ModelFileError:
        raise
    except Exception as exc:
        raise ModelFileError(
            f"Model file {str(path)!r} could not be restored ({type(exc).__name__}: {exc}). "
            "Fix: refit and save the model again with this synthwise version."
        ) from exc
    return gen
