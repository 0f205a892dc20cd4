"""Helpers that tests import as plain modules, grouped by what they help with; conftest files
only declare fixtures, and no test imports a conftest or another test file
(tests/unit/test_test_layout.py checks)."""
