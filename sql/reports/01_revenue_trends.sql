-- Revenue trends
--
-- Business question: How is revenue moving day by day, week by week and month by month, once
--   day-to-day noise is smoothed out by a 7-day and a 4-week moving average?
-- Grain: one row per period: every month, every ISO week (starting Monday) and every day between
--   the first and the last day with sales.
-- Tables used: fact_transaction, dim_date
-- Notes: Days without sales count as zero revenue. A moving average is shown only once its window
--   is full. The first and last week or month can be partial: see is_complete_period.
-- requires: fact_transaction, dim_date

WITH daily_sales AS (
    SELECT
        d.full_date AS sales_date,
        COUNT(*) AS transactions,
        SUM(f.quantity) AS units,
        SUM(f.amount) AS revenue
    FROM fact_transaction AS f
    JOIN dim_date AS d ON d.date_key = f.date_key
    GROUP BY d.full_date
),
sales_range AS (
    SELECT MIN(sales_date) AS first_day, MAX(sales_date) AS last_day
    FROM daily_sales
),
calendar_day AS (
    SELECT CAST(UNNEST(GENERATE_SERIES(first_day, last_day, INTERVAL 1 DAY)) AS DATE) AS sales_date
    FROM sales_range
),
daily_revenue AS (
    SELECT
        c.sales_date AS period_start,
        COALESCE(s.transactions, 0) AS transactions,
        COALESCE(s.units, 0) AS units,
        COALESCE(s.revenue, 0) AS revenue
    FROM calendar_day AS c
    LEFT JOIN daily_sales AS s ON s.sales_date = c.sales_date
),
daily_trend AS (
    SELECT
        'day' AS grain,
        period_start,
        TRUE AS is_complete_period,
        transactions,
        units,
        revenue,
        CASE WHEN COUNT(*) OVER last_7_days = 7 THEN ROUND(AVG(revenue) OVER last_7_days, 2) END AS revenue_moving_avg,
        '7 days' AS moving_avg_window
    FROM daily_revenue
    WINDOW last_7_days AS (ORDER BY period_start ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
),
weekly_revenue AS (
    SELECT
        CAST(DATE_TRUNC('week', d.period_start) AS DATE) AS period_start,
        SUM(d.transactions) AS transactions,
        SUM(d.units) AS units,
        SUM(d.revenue) AS revenue
    FROM daily_revenue AS d
    GROUP BY 1
),
weekly_trend AS (
    SELECT
        'week' AS grain,
        w.period_start,
        w.period_start >= r.first_day AND w.period_start + 6 <= r.last_day AS is_complete_period,
        w.transactions,
        w.units,
        w.revenue,
        CASE WHEN COUNT(*) OVER last_4_weeks = 4 THEN ROUND(AVG(w.revenue) OVER last_4_weeks, 2) END AS revenue_moving_avg,
        '4 weeks' AS moving_avg_window
    FROM weekly_revenue AS w
    CROSS JOIN sales_range AS r
    WINDOW last_4_weeks AS (ORDER BY w.period_start ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)
),
monthly_trend AS (
    SELECT
        'month' AS grain,
        CAST(DATE_TRUNC('month', d.period_start) AS DATE) AS period_start,
        CAST(DATE_TRUNC('month', d.period_start) AS DATE) >= r.first_day
            AND LAST_DAY(d.period_start) <= r.last_day AS is_complete_period,
        SUM(d.transactions) AS transactions,
        SUM(d.units) AS units,
        SUM(d.revenue) AS revenue,
        CAST(NULL AS DOUBLE) AS revenue_moving_avg,
        CAST(NULL AS VARCHAR) AS moving_avg_window
    FROM daily_revenue AS d
    CROSS JOIN sales_range AS r
    GROUP BY 1, 2, 3
),
all_periods AS (
    SELECT * FROM daily_trend
    UNION ALL
    SELECT * FROM weekly_trend
    UNION ALL
    SELECT * FROM monthly_trend
)
SELECT
    grain,
    period_start,
    is_complete_period,
    transactions,
    units,
    revenue,
    revenue_moving_avg,
    moving_avg_window
FROM all_periods
ORDER BY
    CASE grain WHEN 'month' THEN 1 WHEN 'week' THEN 2 ELSE 3 END,
    period_start;
