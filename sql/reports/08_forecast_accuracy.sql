-- Forecast accuracy
--
-- Business question: How close did the demand forecast come to the units actually sold each
--   week per category, and does the model beat a seasonal-naive baseline?
-- Grain: one row per product category, plus one row for all categories together.
-- Tables used: ml_demand_forecast, fact_transaction, dim_product
-- Notes: Only complete weeks (Monday to Sunday inside the days with sales) are compared.
--   MAPE = mean of |forecast - actual| / actual, over weeks with actual > 0; sMAPE = mean of
--   2 |forecast - actual| / (|forecast| + |actual|). Both in percent, lower is better.
-- requires: ml_demand_forecast, fact_transaction

WITH sales_range AS (
    SELECT MIN(CAST(transaction_ts AS DATE)) AS first_day, MAX(CAST(transaction_ts AS DATE)) AS last_day
    FROM fact_transaction
),
weekly_actual AS (
    SELECT
        p.category,
        CAST(DATE_TRUNC('week', f.transaction_ts) AS DATE) AS week_start,
        SUM(f.quantity) AS actual_units
    FROM fact_transaction AS f
    JOIN dim_product AS p ON p.product_id = f.product_id
    GROUP BY 1, 2
),
forecast_vs_actual AS (
    SELECT
        fc.category,
        fc.week_start,
        COALESCE(a.actual_units, 0) AS actual_units,
        fc.forecast_units,
        fc.baseline_units
    FROM ml_demand_forecast AS fc
    CROSS JOIN sales_range AS r
    LEFT JOIN weekly_actual AS a ON a.category = fc.category AND a.week_start = fc.week_start
    WHERE fc.week_start >= r.first_day AND fc.week_start + 6 <= r.last_day
),
weekly_error AS (
    SELECT
        category,
        week_start,
        actual_units,
        forecast_units,
        ABS(forecast_units - actual_units) / NULLIF(actual_units, 0) AS model_ape,
        2 * ABS(forecast_units - actual_units) / NULLIF(ABS(forecast_units) + actual_units, 0) AS model_sape,
        ABS(baseline_units - actual_units) / NULLIF(actual_units, 0) AS baseline_ape,
        2 * ABS(baseline_units - actual_units) / NULLIF(ABS(baseline_units) + actual_units, 0) AS baseline_sape
    FROM forecast_vs_actual
),
category_accuracy AS (
    SELECT
        category,
        MIN(week_start) AS first_week,
        MAX(week_start) AS last_week,
        COUNT(*) AS weeks_compared,
        SUM(actual_units) AS actual_units,
        ROUND(SUM(forecast_units), 1) AS forecast_units,
        ROUND(100 * AVG(model_ape), 2) AS model_mape_pct,
        ROUND(100 * AVG(model_sape), 2) AS model_smape_pct,
        ROUND(100 * AVG(baseline_ape), 2) AS baseline_mape_pct,
        ROUND(100 * AVG(baseline_sape), 2) AS baseline_smape_pct
    FROM weekly_error
    GROUP BY category
    UNION ALL
    SELECT
        'all categories',
        MIN(week_start),
        MAX(week_start),
        COUNT(*),
        SUM(actual_units),
        ROUND(SUM(forecast_units), 1),
        ROUND(100 * AVG(model_ape), 2),
        ROUND(100 * AVG(model_sape), 2),
        ROUND(100 * AVG(baseline_ape), 2),
        ROUND(100 * AVG(baseline_sape), 2)
    FROM weekly_error
    HAVING COUNT(*) > 0
)
SELECT
    *,
    CASE
        WHEN model_mape_pct IS NULL OR baseline_mape_pct IS NULL THEN 'not comparable'
        WHEN model_mape_pct < baseline_mape_pct THEN 'model'
        WHEN model_mape_pct > baseline_mape_pct THEN 'baseline'
        ELSE 'tie'
    END AS more_accurate_by_mape
FROM category_accuracy
ORDER BY category = 'all categories', category;
