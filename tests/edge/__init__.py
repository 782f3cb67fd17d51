"""Edge engine tests. A package, so that its conftest is imported as edge.conftest
and does not shadow tests/conftest.py for `from conftest import ...`."""
