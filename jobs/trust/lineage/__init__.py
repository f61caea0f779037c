"""Lineage of the platform as OpenLineage run events: every job says what it read and wrote.

naming: dataset keys <-> OpenLineage dataset names; emit: the events of one job run;
events: reading the events file back; graph: the dataset graph they describe; cli: `rtdp lineage`.
"""
