"""What ``generate``, ``evaluate`` and ``audit`` do when their input is an image source (a folder of
PNG / JPEG files, an ``.npz``, a table of image paths): see :mod:`synthwise.images`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synthwise.cli._app import console, console_err


def generate_images(
    data: str, output: str, n: int | None, generator: str, seed: int | None, params: dict[str, Any]
) -> None:
    from synthwise.errors import InvalidParameterError
    from synthwise.generators import create
    from synthwise.images import read_images, write_images

    images = read_images(data)
    gen = create(generator, seed=seed, **params)
    if gen.capabilities.data != "image":
        raise InvalidParameterError(
            f"{generator!r} is not an image generator. Fix: use image_vae, image_gan, image_diffusion, "
            "image_pca, image_noisy_copy or image_copy."
        )
    with console_err.status(f"Fitting {generator} on {len(images):,} images"):
        gen.fit(images)
    count = len(images) if n is None else n
    with console_err.status(f"Sampling {count:,} images"):
        out = gen.sample(count, seed=seed)
    side = gen.shape_[0]  # type: ignore[attr-defined]
    manifest = write_images(out, output, working_size=(side, side))
    console.print(
        f"Fitted {generator} in {gen.fit_seconds_:.1f} s; wrote {len(out):,} images to {output} "
        f"(working size {side}x{side}, written at {out.source_size[0]}x{out.source_size[1]}; {manifest.name})"
    )
    guard, report = getattr(gen, "near_guard_", None), getattr(gen, "near_guard_report_", None)
    if guard is not None and report is not None:
        console.print(
            f"Near-duplicate guard (privacy={gen.privacy!r}): {report['near_duplicates_drawn']:,} of "  # type: ignore[attr-defined]
            f"{count:,} drawn images hashed like a training image; {report['near_duplicates_kept']:,} kept "
            f"(fresh real images: {guard.fresh_share:.1%}), {report['unresolved']:,} unresolved after "
            f"{report['rounds']} redraw rounds."
        )


def _read(path: str | Path | None) -> Any:
    from synthwise.images import read_images

    return None if path is None else read_images(path)


def evaluate_images_cli(
    real: str,
    synthetic: str,
    holdout: str | None,
    *,
    representation: str,
    seed: int,
    max_rows: int | None,
    bootstrap: int,
    json_out: Path | None,
    html_out: Path | None,
    quality_gate: Any,
) -> None:
    from synthwise.cli.evaluate import score_table
    from synthwise.evaluation.images import ImageEvaluator

    with console_err.status("Evaluating images", spinner="dots") as status:
        ev = ImageEvaluator(
            _read(real),
            _read(holdout),
            representation=representation,
            seed=seed,
            max_rows=max_rows,
            n_bootstrap=bootstrap,
            progress=lambda msg: status.update(msg),
        ).evaluate(_read(synthetic))
    ev.manifest.setdefault("images", {})["paths"] = {
        "real": str(real),
        "synthetic": str(synthetic),
        "holdout": holdout,
    }
    console.print(
        score_table(
            ev, title=f"{Path(synthetic).name} vs {Path(real).name} ({representation} representation)"
        )
    )
    _report(ev, json_out, html_out, real, synthetic)
    if quality_gate is not None:
        result = quality_gate.check(ev)
        console.print(
            ("[green]" if result.passed else "[bold red]") + result.summary() + "[/]", highlight=False
        )
        if not result.passed:
            raise SystemExit(1)


def _report(ev: Any, json_out: Path | None, html_out: Path | None, real: str, synthetic: str) -> None:
    skipped = ev.manifest.get("skipped", {})
    if skipped:
        console.print("[dim]Not computed: " + "; ".join(f"{k} ({v})" for k, v in skipped.items()) + "[/]")
    if json_out is not None:
        ev.to_json(json_out)
        console_err.print(f"Scores written to {json_out}")
    if html_out is not None:
        from synthwise.report.images import write_image_report

        write_image_report(ev, _read(real), _read(synthetic), html_out)
        console_err.print(f"Report written to {html_out}")


def audit_images_cli(
    real: str,
    synthetic: str,
    output: Path,
    holdout: str | None,
    *,
    require: tuple[str, ...],
    seed: int,
    representation: str,
    max_rows: int | None,
    bootstrap: int,
    json_out: Path | None,
) -> None:
    from synthwise.guard.images import audit_images
    from synthwise.images import write_images

    with console_err.status("Auditing images", spinner="dots"):
        result = audit_images(
            _read(real),
            _read(synthetic),
            _read(holdout),
            require=require,
            seed=seed,
            representation=representation,
            max_rows=max_rows,
            n_bootstrap=bootstrap,
        )
    assert result.images is not None
    write_images(result.images, output)
    console.print(result.summary().replace("rows", "images"))
    changes = result.changes()
    for row in changes.itertuples(index=False):
        after = "-" if row.after is None else f"{row.after:.3f}"
        console.print(f"  {row.metric}: {row.before:.3f} -> {after}")
    console.print(f"Kept images written to {output}")
    if json_out is not None:
        from synthwise.io import write_text

        payload = {
            "input_images": result.n_input,
            "kept_images": result.n_kept,
            "dropped_by": result.dropped_by,
            "require": list(result.require),
            "changes": json.loads(changes.to_json(orient="records")),
        }
        write_text(json.dumps(payload, indent=2) + "\n", json_out)
