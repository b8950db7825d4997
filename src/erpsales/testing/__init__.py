"""Tools for testing policies: hypothesis strategies (``erpsales.testing.strategies``).

This package needs ``hypothesis`` (``pip install 'erpsales[testing]'``); ``import erpsales``
does not import it.
"""
