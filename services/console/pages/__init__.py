"""The console's HTML pages: one module per page, each a router that app.py includes."""
