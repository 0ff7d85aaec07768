"""What the site build adds to MkDocs: per-page cache keys and figure files.

`mkdocs_hooks.py` wires these into the build; they import nothing from it.
"""
