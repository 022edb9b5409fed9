"""The report page of an image evaluation: the standard page (3D cards, scores with holdout references,
curves, distances, manifest) plus image sections: per class, a grid of synthetic images beside real
ones, and the most-memorized synthetic images (not authentic, or near duplicates) each beside its
nearest training image in the evaluation's representation (pixels when none is given). Images are
inline PNG data URIs: the file stays self-contained and offline."""

from __future__ import annotations

import base64
import os

import numpy as np

from synthwise.evaluation.result import Evaluation
from synthwise.images.data import ImageSet
from synthwise.images.io import png_bytes
from synthwise.io import write_text
from synthwise.report.html import render_html
from synthwise.report.sections import section
from synthwise.report.svg import esc

PER_CLASS = 8  # images per side and class
MEMORIZED = 12  # pairs shown


def _img(image: np.ndarray, title: str = "") -> str:
    uri = "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")
    return f'<img class="thumb" src="{uri}" alt="{esc(title)}" title="{esc(title)}" width="48" height="48">'


def _grid_section(real: ImageSet, synthetic: ImageSet) -> str:
    rows = []
    classes = real.classes if real.classes else [""]
    for c, name in enumerate(classes):
        r = np.flatnonzero(real.labels == c) if real.classes else np.arange(len(real))
        s = np.flatnonzero(synthetic.labels == c) if synthetic.classes else np.arange(len(synthetic))
        syn_imgs = "".join(_img(synthetic.images[i], f"synthetic {name}") for i in s[:PER_CLASS])
        real_imgs = "".join(_img(real.images[i], f"real {name}") for i in r[:PER_CLASS])
        rows.append(
            f"<tr><th>{esc(name or 'all')}</th><td class='imgs'>{syn_imgs or '—'}</td>"
            f"<td class='imgs'>{real_imgs}</td></tr>"
        )
    body = (
        "<table class='image-grid'><tr><th>class</th><th>synthetic</th><th>real (train)</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return section(
        "image-grids",
        "Images per class",
        "Synthetic images beside real training images of the same class.",
        body,
    )


def _memorized_section(ev: Evaluation, real: ImageSet, synthetic: ImageSet) -> str:
    from synthwise.neighbours import knn

    flags = ev.row_flags
    if flags is None or len(flags) != len(synthetic):
        return ""
    suspect = np.flatnonzero(~flags["authentic"].to_numpy())
    a = synthetic.flat()
    b = real.flat() if real.shape == synthetic.shape else None
    if b is None:
        return ""
    if len(suspect) == 0:
        body = "<p>No synthetic image is flagged as memorized.</p>"
    else:
        dist, idx = knn(a[suspect], b, 1)
        order = np.argsort(dist[:, 0], kind="stable")[:MEMORIZED]
        cells = "".join(
            f"<figure>{_img(synthetic.images[suspect[j]], 'synthetic')}"
            f"{_img(real.images[idx[j, 0]], 'nearest training image')}"
            f"<figcaption>#{int(suspect[j])} · d={dist[j, 0]:.3f}</figcaption></figure>"
            for j in order
        )
        body = (
            f"<p>{len(suspect):,} of {len(synthetic):,} synthetic images are flagged (not authentic or near "
            f"duplicates); the closest {len(order)} are shown beside their nearest training image (pixel "
            f"distance).</p><div class='pairs'>{cells}</div>"
        )
    return section(
        "memorized", "Most-memorized images", "Each synthetic image beside its nearest training image.", body
    )


STYLE = (
    "<style>.thumb{image-rendering:pixelated;margin:1px;border:1px solid #ccc}"
    ".image-grid td.imgs{white-space:nowrap}.pairs{display:flex;flex-wrap:wrap;gap:8px}"
    ".pairs figure{margin:0;text-align:center;font-size:11px}</style>"
)


def render_image_report(ev: Evaluation, real: ImageSet, synthetic: ImageSet) -> str:
    page = render_html(ev)
    extra = _grid_section(real, synthetic) + _memorized_section(ev, real, synthetic)
    page = page.replace("</head>", STYLE + "</head>", 1)
    return page.replace("</main>", extra + "</main>", 1)


def write_image_report(
    ev: Evaluation, real: ImageSet, synthetic: ImageSet, path: str | os.PathLike[str]
) -> str:
    write_text(render_image_report(ev, real, synthetic), path)
    return str(path)
