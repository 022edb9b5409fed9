"""Shared code of the sequential generators: the long table split into entities and steps and back
(``layout``), the entity model (``entities``), the autoregressive chain of step variables (``chain``),
donor trees (``trees``) and the generator plumbing (``base``). Importing this package imports no torch.
"""
