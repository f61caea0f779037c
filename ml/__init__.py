"""Machine learning on gold: demand forecasting, segmentation, churn, anomalies and cross-sell.

`train_and_score(settings)` runs all five and returns their metrics; each use case also has
its own module with a pure function on pandas frames.
"""

from __future__ import annotations

__all__ = ["MLSummary", "ModelRun", "train_and_score"]


def __getattr__(name: str):
    # Loaded on first use, so that importing the CLI (`rtdp --help`) does not load scikit-learn.
    if name in __all__:
        from ml import training

        return getattr(training, name)
    raise AttributeError(f"module 'ml' has no attribute {name!r}")
