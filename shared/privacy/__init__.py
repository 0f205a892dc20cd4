"""Customers' personal data: the map of where it lives (`data_map.py`), finding one customer
(`customer.py`), erasing them (`erasure.py`) and exporting what is held about them
(`export.py`); the erasure ledger (`collections.py`)."""
