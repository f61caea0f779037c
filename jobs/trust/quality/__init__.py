"""Data-quality gates with Great Expectations: silver is checked before gold is built, gold is
checked against silver before it is published.

- `suites`: the expectation suites, as code;
- `frames`: datasets read with pyarrow (local folders or s3://) into pandas for GX;
- `context`: the GX project (file based, no usage statistics) that runs the suites and keeps
  the data docs;
- `results`: every result as rows of the `dq_results` table of sql/ddl/operations.sql;
- `gate`: `validate_silver` / `validate_gold`, returning a `GateOutcome`;
- `location`: where the GX project and its data docs live (no GX import, cheap for the CLI).
"""
