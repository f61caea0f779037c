"""Refine: bronze -> silver, typed, validated and de-duplicated; every reject quarantined with a reason.

- `silver_rules`: the rules as pure DataFrame functions.
- `silver`: the step that reads bronze and writes silver and quarantine.
- `conform`: frames shaped like the model's tables.
"""
