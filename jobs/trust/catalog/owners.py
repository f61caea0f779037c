"""Who owns each dataset: one team per layer, the ML team for the models' outputs."""

from __future__ import annotations

DATA_PLATFORM = "data-platform team"
ANALYTICS = "analytics team"
ML = "ml team"

LAYER_OWNERS = {
    "raw": DATA_PLATFORM,
    "kafka": DATA_PLATFORM,
    "bronze": DATA_PLATFORM,
    "silver": DATA_PLATFORM,
    "quarantine": DATA_PLATFORM,
    "gold": DATA_PLATFORM,
    "warehouse": DATA_PLATFORM,
    "report": ANALYTICS,
}
# Tables written by the ML jobs (ml/training.py), in gold and in the warehouse.
ML_TABLE_PREFIX = "ml_"


def owner_of(layer: str, name: str) -> str:
    """The team answering for dataset `<layer>.<name>`."""
    if name.startswith(ML_TABLE_PREFIX):
        return ML
    return LAYER_OWNERS[layer]
