"""Reading and writing image sets.

Sources: a folder of PNG / JPEG files (images in class sub-folders get the sub-folder's name as their
label; images at the top level have none), an ``.npz`` with an image array (``images``, ``x`` or ``X``:
``(n, h, w)``, ``(n, h, w, c)`` or ``(n, c, h, w)``; uint8 0..255 or floats in [0, 1]) and optional
``labels`` / ``y`` (and ``classes``), or a table (CSV / TSV / Parquet) with a column of image paths
(relative to the table's folder) and an optional ``label`` column. Images of different sizes are resized
to the most common size; a set with any colour image is read as RGB, else grey.

Output: PNGs in class sub-folders plus ``manifest.csv`` (file, label, height, width, working_height,
working_width, source_height, source_width): the working size is what the model saw, the output size
what was written (the source size by default). Written into a fresh folder next to the target and
renamed into place, so a failed run leaves nothing half-written; PNGs carry no timestamp, so the same
images give the same bytes.
"""

from __future__ import annotations

import collections
import io as _io
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from synthwise.errors import DataError
from synthwise.images.data import ImageSet, resize, to_channels

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
TABLE_SUFFIXES = (".csv", ".tsv", ".parquet")
MANIFEST = "manifest.csv"


def is_image_source(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an image source: a folder holding image files, or an ``.npz``."""
    p = Path(path)
    if p.suffix.lower() == ".npz":
        return True
    if not p.is_dir():
        return False
    return any(f.suffix.lower() in IMAGE_SUFFIXES for f in p.rglob("*") if f.is_file())


def read_images(path: str | os.PathLike[str], *, path_column: str | None = None) -> ImageSet:
    """The image set at ``path`` (a folder, an ``.npz`` or a table of image paths); see the module doc."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"Image source {str(p)!r} does not exist. Fix: check the path.")
    if p.is_dir():
        return _read_folder(p)
    suffix = p.suffix.lower()
    if suffix == ".npz":
        return _read_npz(p)
    if suffix in TABLE_SUFFIXES:
        return _read_table(p, path_column)
    raise DataError(
        f"{str(p)!r} is not an image source. Fix: pass a folder of PNG / JPEG files, an .npz of arrays "
        "or a table (CSV / Parquet) with a column of image paths."
    )


def _load_file(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            mode = "L" if img.mode in ("L", "1", "I;16", "I", "F", "LA") else "RGB"
            arr = np.asarray(img.convert(mode), dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(
            f"Image file {str(path)!r} cannot be read ({exc}). Fix: remove or replace it."
        ) from exc
    return arr[..., None] if arr.ndim == 2 else arr


def _stack(arrays: list[np.ndarray], what: str) -> tuple[np.ndarray, tuple[int, int]]:
    """Uint8 arrays of possibly different sizes / channels -> one float array (most common size)."""
    if not arrays:
        raise DataError(f"{what} holds no images. Fix: pass a folder with PNG / JPEG files.")
    sizes = collections.Counter(a.shape[:2] for a in arrays)
    size = max(sizes.items(), key=lambda kv: (kv[1], kv[0]))[0]
    channels = 3 if any(a.shape[2] == 3 for a in arrays) else 1
    out = np.empty((len(arrays), size[0], size[1], channels), dtype=np.float32)
    for i, a in enumerate(arrays):
        img = to_channels(a[None].astype(np.float32) / 255.0, channels)
        out[i] = resize(img, size)[0]
    return out, (int(size[0]), int(size[1]))


def _read_folder(root: Path) -> ImageSet:
    files = sorted(f for f in root.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES)
    rel = [f.relative_to(root) for f in files]
    nested = [r for r in rel if len(r.parts) > 2]
    if nested:
        raise DataError(
            f"Image {str(nested[0])!r} in {str(root)!r} sits two folders deep. Fix: put images in one class "
            "sub-folder each (or all at the top level)."
        )
    in_classes = [len(r.parts) == 2 for r in rel]
    if any(in_classes) and not all(in_classes):
        loose = rel[in_classes.index(False)]
        raise DataError(
            f"{str(root)!r} mixes images at the top level ({str(loose)!r}) with class sub-folders. "
            "Fix: move every image into a class sub-folder, or all to the top level."
        )
    images, size = _stack([_load_file(f) for f in files], f"Folder {str(root)!r}")
    if files and all(in_classes):
        classes = sorted({r.parts[0] for r in rel})
        lookup = {c: i for i, c in enumerate(classes)}
        labels = np.array([lookup[r.parts[0]] for r in rel], dtype=np.int64)
    else:
        classes, labels = [], np.full(len(files), -1, dtype=np.int64)
    return ImageSet(images, labels, classes, [str(r) for r in rel], size)


def _read_npz(path: Path) -> ImageSet:
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (ValueError, OSError) as exc:
        raise DataError(
            f"{str(path)!r} is not a readable .npz ({exc}). Fix: save it with numpy.savez."
        ) from exc
    key = next((k for k in ("images", "x", "X") if k in arrays), None)
    if key is None:
        raise DataError(
            f"{str(path)!r} has no array named images, x or X (it has {sorted(arrays)}). "
            "Fix: save the images under the name 'images'."
        )
    imgs = arrays[key]
    if imgs.ndim == 4 and imgs.shape[1] in (1, 3) and imgs.shape[-1] not in (1, 3):
        imgs = np.moveaxis(imgs, 1, -1)  # (n, c, h, w) -> (n, h, w, c)
    if imgs.dtype != np.uint8 and imgs.size and float(np.nanmax(imgs)) > 1.0:
        imgs = imgs / 255.0
    lab_key = next((k for k in ("labels", "y") if k in arrays), None)
    if lab_key is None:
        return ImageSet(imgs, None, [])  # type: ignore[arg-type]
    raw = arrays[lab_key].reshape(-1)
    if "classes" in arrays:
        classes = [str(c) for c in arrays["classes"].tolist()]
        return ImageSet(imgs, raw.astype(np.int64), classes)
    values, labels = np.unique(raw, return_inverse=True)
    return ImageSet(imgs, labels.astype(np.int64), [str(v) for v in values.tolist()])


def _read_table(path: Path, path_column: str | None) -> ImageSet:
    from synthwise.io import read_table

    table = read_table(path)
    column = path_column or _path_column(table, path)
    if column not in table.columns:
        raise DataError(f"Table {str(path)!r} has no column {column!r}. Fix: name a column of image paths.")
    base = path.parent
    files = [base / str(v) for v in table[column].tolist()]
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise DataError(
            f"Column {column!r} of {str(path)!r} names {len(missing)} missing file(s), e.g. "
            f"{str(missing[0])!r}. Fix: paths are relative to the table's folder."
        )
    images, size = _stack([_load_file(f) for f in files], f"Table {str(path)!r}")
    if "label" in table.columns:
        raw = table["label"].astype(str).to_numpy()
        classes = sorted(set(raw.tolist()))
        lookup = {c: i for i, c in enumerate(classes)}
        labels = np.array([lookup[v] for v in raw], dtype=np.int64)
        return ImageSet(images, labels, classes, [str(f) for f in files], size)
    return ImageSet(images, None, [], [str(f) for f in files], size)  # type: ignore[arg-type]


def _path_column(table: pd.DataFrame, path: Path) -> str:
    for name in table.columns:
        values = table[name].dropna().astype(str)
        if len(values) and values.str.lower().str.endswith(IMAGE_SUFFIXES).all():
            return str(name)
    raise DataError(
        f"Table {str(path)!r} has no column of image paths (values ending in .png, .jpg, ...). "
        "Fix: add one, or name it with --path-column."
    )


def png_bytes(image: np.ndarray) -> bytes:
    """One image (h, w, c) in [0, 1] as PNG bytes (no timestamp: same pixels, same bytes)."""
    from PIL import Image

    arr = np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
    img = Image.fromarray(arr[..., 0], mode="L") if arr.shape[2] == 1 else Image.fromarray(arr, mode="RGB")
    buf = _io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def write_images(
    images: ImageSet,
    out: str | os.PathLike[str],
    *,
    size: tuple[int, int] | None = None,
    working_size: tuple[int, int] | None = None,
) -> Path:
    """Write ``images`` as PNGs (class sub-folders when labelled) plus ``manifest.csv`` into ``out``.

    ``size`` (height, width): the size written (default: the set's ``source_size``). ``out`` must not
    exist or be empty. Returns the manifest's path.
    """
    target = Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise DataError(f"Output folder {str(target)!r} exists and is not empty. Fix: choose a new folder.")
    h, w, _ = images.shape
    size = size or images.source_size or (h, w)
    pixels = resize(images.images, size)
    width = max(5, len(str(max(len(images) - 1, 0))))
    rows = []
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for i in range(len(images)):
            lab = int(images.labels[i])
            label = images.classes[lab] if lab >= 0 and images.classes else ""
            rel = Path(_safe(label)) / f"{i:0{width}d}.png" if label else Path(f"{i:0{width}d}.png")
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(png_bytes(pixels[i]))
            rows.append(
                {
                    "file": rel.as_posix(),
                    "label": label,
                    "height": size[0],
                    "width": size[1],
                    "working_height": (working_size or (h, w))[0],
                    "working_width": (working_size or (h, w))[1],
                }
            )
        manifest = pd.DataFrame(
            rows, columns=["file", "label", "height", "width", "working_height", "working_width"]
        )
        manifest.to_csv(tmp / MANIFEST, index=False, lineterminator="\n")
        if target.exists():
            target.rmdir()
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target / MANIFEST


def _safe(label: str) -> str:
    """A class name usable as a folder name."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_. " else "_" for ch in label).strip(" .")
    return cleaned or "_"
