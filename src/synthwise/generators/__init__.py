"""Generators: one module per generator, one flat registry.

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

list = list_generators

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
