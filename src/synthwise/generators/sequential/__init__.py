"""The internals of the sequential generators (``sequential_ar``, ``sequential_deep``): the long table
split into entities and steps and back (``layout``), within-entity statistics (``summary``), the entity
model (``entities``), the autoregressive chain of step variables (``chain``), the step network (``gru``,
torch) and the hooks on the generator lifecycle (``base``). Only ``gru`` imports torch.
"""
