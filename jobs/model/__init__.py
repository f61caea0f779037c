"""The domain model: what the platform's data means, in one place.

- `tables`: the tables of sql/ddl (columns, types, keys, comments), read once.
- `values`: the accepted values of every coded column.
- `reasons`: why a row or an event is rejected, for batch and stream.
- `contracts`: the versioned JSON schemas of the Kafka events, and what silver keeps of them.

The generator, the silver rules, the quality gates, the streaming path and the catalog import
these facts; none of them keeps its own copy.
"""
