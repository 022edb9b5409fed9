"""Differential privacy: mechanisms and accounting (``dp``, ``ledger``, ``release``), DP column domains
and fine cells (``dp_domain``, ``dp_cells``, ``dp_columns``), the DP tree model (``dp_tree``) and
DP-SGD (``dp_sgd``). Personal-data detection and fakes live in :mod:`synthwise.pii`, masking in
:mod:`synthwise.transforms.mask`, attacks and risk metrics in :mod:`synthwise.evaluation`."""
