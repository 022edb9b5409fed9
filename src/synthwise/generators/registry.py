"""The flat registry of generators: name -> class, heavy ones imported on first use.

Built-in generators are listed here by dotted path so that importing synthwise imports none of them
(torch stays unimported until a deep generator is asked for). ``register_generator`` adds more; a
duplicate name raises at once, and so does a failed import: nothing is silently skipped.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from synthwise.errors import InvalidParameterError, MissingDependencyError

if TYPE_CHECKING:
    from synthwise.generators.base import Generator

G = TypeVar("G", bound=type)

_BUILTIN: dict[str, str] = {
    "bootstrap": "synthwise.generators.bootstrap:Bootstrap",
    "noise": "synthwise.generators.noise:Noise",
    "gaussian_copula": "synthwise.generators.gaussian_copula:GaussianCopula",
    "bayesian_network": "synthwise.generators.bayesian_network:BayesianNetwork",
    "cart": "synthwise.generators.cart:Cart",
    "mst": "synthwise.generators.mst:MST",
    "dp_ar": "synthwise.generators.dp_ar:DPAR",
    "rules": "synthwise.generators.rules:Rules",
    "smote": "synthwise.generators.smote:Smote",
    "smotenc": "synthwise.generators.smote:SmoteNC",
    "adasyn": "synthwise.generators.smote:Adasyn",
    "tvae": "synthwise.generators.tvae:TVAE",
    "ctgan": "synthwise.generators.ctgan:CTGAN",
    "diffusion": "synthwise.generators.diffusion:Diffusion",
    "sequential_ar": "synthwise.generators.sequential_ar:SequentialAR",
    "sequential_deep": "synthwise.generators.sequential_deep:SequentialDeep",
    "image_copy": "synthwise.generators.image_baselines:ImageCopy",
    "image_noisy_copy": "synthwise.generators.image_baselines:ImageNoisyCopy",
    "image_pca": "synthwise.generators.image_baselines:ImagePCA",
    "image_vae": "synthwise.generators.image_deep:ImageVAE",
    "image_gan": "synthwise.generators.image_deep:ImageGAN",
    "image_diffusion": "synthwise.generators.image_deep:ImageDiffusion",
    "text_ngram": "synthwise.generators.text:TextNgram",
    "text_lstm": "synthwise.generators.text:TextLSTM",
    "text_transformer": "synthwise.generators.text:TextTransformer",
}
_EXTRA: dict[str, str] = {
    "tvae": "deep",
    "ctgan": "deep",
    "diffusion": "deep",
    "sequential_deep": "deep",
    "dp_ar": "privacy",
    "image_vae": "deep",
    "image_gan": "deep",
    "image_diffusion": "deep",
    "text_lstm": "text",
    "text_transformer": "text",
}  # name -> optional extra
_LOADED: dict[str, type] = {}


def register_generator(name: str) -> Any:
    """Class decorator: ``@register_generator("cart")``. The class's ``name`` is set to ``name``."""

    def deco(cls: G) -> G:
        path = f"{cls.__module__}:{cls.__qualname__}"
        if name in _LOADED and _LOADED[name] is not cls:
            raise InvalidParameterError(f"A generator named {name!r} is already registered.")
        if name in _BUILTIN and _BUILTIN[name] != path:
            raise InvalidParameterError(
                f"A generator named {name!r} is already registered ({_BUILTIN[name]})."
            )
        cls.name = name  # type: ignore[attr-defined]
        _LOADED[name] = cls
        _BUILTIN.setdefault(name, path)
        return cls

    return deco


def add_builtin(name: str, path: str, *, extra: str | None = None) -> None:
    """Register a generator by dotted path without importing it (for heavy optional modules)."""
    if name in _BUILTIN and _BUILTIN[name] != path:
        raise InvalidParameterError(f"A generator named {name!r} is already registered ({_BUILTIN[name]}).")
    _BUILTIN[name] = path
    if extra:
        _EXTRA[name] = extra


def names() -> list[str]:
    return sorted(_BUILTIN)


def get(name: str) -> type[Generator]:
    """The generator class registered as ``name``; imports its module on first use.

    An unknown name raises :class:`InvalidParameterError` naming the closest registered names.
    """
    if name in _LOADED:
        return _LOADED[name]
    if name not in _BUILTIN:
        close = difflib.get_close_matches(str(name), names(), n=3)
        hint = f"did you mean {' or '.join(map(repr, close))}? Otherwise " if close else ""
        raise InvalidParameterError(
            f"Unknown generator {name!r}. Fix: {hint}use one of {', '.join(names())} "
            "(see 'synthwise generators')."
        )
    module, _, attr = _BUILTIN[name].partition(":")
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        extra = _EXTRA.get(name)
        missing = exc.name or ""
        if extra and isinstance(exc, ModuleNotFoundError) and not missing.startswith("synthwise"):
            raise MissingDependencyError(exc.name or "?", extra, f"The {name!r} generator") from exc
        raise
    cls = getattr(mod, attr)
    _LOADED[name] = cls
    return cls  # type: ignore[no-any-return,unused-ignore]


def create(name: str, **params: Any) -> Generator:
    """An unfitted generator instance: ``create("cart", seed=0)``."""
    return get(name)(**params)


@dataclass(frozen=True)
class GeneratorInfo:
    name: str
    summary: str
    extra: str | None
    available: bool
    conditions: str
    note: str = ""


def info(name: str) -> GeneratorInfo:
    try:
        cls = get(name)
    except MissingDependencyError as exc:
        return GeneratorInfo(name, "", exc.extra, False, "", str(exc))
    caps = cls.capabilities
    return GeneratorInfo(name, cls.summary, caps.extra, True, caps.conditions)


def list_generators() -> list[GeneratorInfo]:
    return [info(n) for n in names()]
