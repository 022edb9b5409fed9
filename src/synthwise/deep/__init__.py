"""Shared code of the deep generators (``tvae``, ``ctgan``, ``diffusion``, ``sequential_deep``).

* :mod:`~synthwise.deep.encoding` — codes to value and softmax spans (mode-specific normalization,
  quantile-normal numerics, point masses, missing slots, pooled rare levels) and back;
* :mod:`~synthwise.deep.memorization` — the memorization guard (DCR share against held-out rows) and a
  quick fidelity gap;
* :mod:`~synthwise.deep.fitting` — parameter checks, the validation split, chunked sampling;
* :mod:`~synthwise.deep.training` — the training loop (progress bar, time and epoch limits, early
  stopping, guard, Ctrl-C);
* :mod:`~synthwise.deep.nets`, :mod:`~synthwise.deep.vae`, :mod:`~synthwise.deep.gan`,
  :mod:`~synthwise.deep.ddpm` — the networks; :mod:`~synthwise.deep.weights` — state dicts as arrays.

Importing this package imports no torch: ``encoding``, ``memorization`` and ``fitting`` are numpy and
scikit-learn only; the torch modules import it through :mod:`synthwise.deep._torch`, which turns a
missing torch into a :class:`~synthwise.errors.MissingDependencyError` naming the ``deep`` extra.
"""
