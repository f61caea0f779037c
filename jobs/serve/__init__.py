"""Serve: silver -> the gold star schema, published atomically, and what is read from it.

- `gold_model`, `gold`: the star schema as DataFrame functions, and the step that writes it.
- `publication`: a folder per run, a pointer written last.
- `warehouse`: the DuckDB warehouse over gold.
- `reports`: the ten SQL reports.
"""
