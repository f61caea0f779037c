-- Anomalies
--
-- Business question: Which transactions does the anomaly model flag as unusual, and what makes
--   them stand out (amount against the usual amount in their category, channel, account)?
-- Grain: one row per transaction flagged as an anomaly, most unusual first.
-- Tables used: ml_anomaly_scores, fact_transaction, dim_product, dim_account
-- Notes: amount_vs_category_median is the transaction's amount divided by the median amount of
--   all transactions in the same product category.
-- requires: ml_anomaly_scores, fact_transaction

WITH flagged_transaction AS (
    SELECT transaction_id, anomaly_score, model_version
    FROM ml_anomaly_scores
    WHERE is_anomaly
),
category_median_amount AS (
    SELECT p.category, MEDIAN(f.amount) AS median_amount
    FROM fact_transaction AS f
    JOIN dim_product AS p ON p.product_id = f.product_id
    GROUP BY p.category
)
SELECT
    f.transaction_id,
    f.transaction_ts,
    f.channel,
    f.account_id,
    a.account_type,
    p.product_name,
    p.category,
    f.quantity,
    f.amount,
    ROUND(f.amount / NULLIF(m.median_amount, 0), 1) AS amount_vs_category_median,
    ROUND(s.anomaly_score, 4) AS anomaly_score,
    s.model_version
FROM flagged_transaction AS s
JOIN fact_transaction AS f ON f.transaction_id = s.transaction_id
JOIN dim_product AS p ON p.product_id = f.product_id
JOIN dim_account AS a ON a.account_id = f.account_id
JOIN category_median_amount AS m ON m.category = p.category
ORDER BY s.anomaly_score DESC, f.transaction_id;
