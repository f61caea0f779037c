"""The domain model: what the platform's data means, in one place.

The generator, the silver rules, the quality gates and the streaming path import these facts;
none of them defines its own copy.
"""
