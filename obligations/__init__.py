"""obligations: turns the provisions of a government plan into tracked obligations.

This folder is the import root. The packages beside it in the repository (``config``, ``rules``,
``models``, ``plans``, ``flows``, ``notifications``) install under it as ``obligations.config`` and so
on, through the ``package-dir`` mapping in ``pyproject.toml``: the product's layout keeps them at
the top of the repository, and nothing generic lands at the top of site-packages.
"""
