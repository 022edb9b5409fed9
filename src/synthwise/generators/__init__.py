"""Generators: one module per generator (the SMOTE family shares ``smote``), one flat registry.

The lifecycle is :class:`Generator`'s (``base``); model files go through ``modelfile``. Internals live
here too: ``donor_tree`` (cart, sequential_ar), ``interpolation`` (the SMOTE family), ``bn_structure``
and ``discretize`` (bayesian_network) and the ``sequential`` subpackage (sequential_ar, sequential_deep).

>>> from synthwise import generators
>>> gen = generators.create("cart", seed=0)  # doctest: +SKIP
"""

from synthwise.generators.base import (
    Capabilities,
    Generator,
    condition_codes,
    condition_groups,
    sample_by_rejection,
)
from synthwise.generators.modelfile import load_generator
from synthwise.generators.registry import (
    GeneratorInfo,
    add_builtin,
    create,
    get,
    info,
    list_generators,
    names,
    register_generator,
)

__all__ = [
    "Capabilities",
    "Generator",
    "GeneratorInfo",
    "add_builtin",
    "condition_codes",
    "condition_groups",
    "create",
    "get",
    "info",
    "list_generators",
    "load_generator",
    "names",
    "register_generator",
    "sample_by_rejection",
]
