"""Machine learning on gold: demand forecasting, segmentation, churn, anomalies and cross-sell.

`train_and_score(settings)` runs all five and returns their metrics; each use case also has
its own module with a pure function on pandas frames.
"""

from ml.training import MLSummary, ModelRun, train_and_score

__all__ = ["MLSummary", "ModelRun", "train_and_score"]
