"""Trust: what tells a reader the data can be relied on.

- `quality`: the Great Expectations gates on silver and gold.
- `lineage`: OpenLineage events of every job, and the graph they describe.
- `catalog`: the static data catalog of every dataset.
"""
