-- Customer behaviour
--
-- Business question: How much do customers spend by customer type, location and segment, and
--   how many of them have churned (no activity for 60 days or more before the last day of data)?
-- Grain: one row per customer type, current location and segment.
-- Tables used: dim_customer, bridge_customer_account, fact_transaction, fact_customer_behavior
-- Notes: Spend counts each transaction once, for the primary holder of its account; activity
--   counts transactions on any account the customer holds. The churn rate is over customers
--   who bought at least once. Segments come from the ML jobs: until they have run, the segment
--   column says so.
-- requires: dim_customer, bridge_customer_account, fact_transaction

WITH current_customer AS (
    SELECT customer_id, customer_type, location
    FROM dim_customer
    WHERE is_current
),
last_data_day AS (
    SELECT MAX(CAST(transaction_ts AS DATE)) AS last_day
    FROM fact_transaction
),
primary_holder_spend AS (
    SELECT b.customer_id, COUNT(*) AS transactions, SUM(f.amount) AS revenue
    FROM fact_transaction AS f
    JOIN bridge_customer_account AS b
        ON b.account_id = f.account_id AND b.relationship_type = 'Primary'
    GROUP BY b.customer_id
),
customer_last_activity AS (
    SELECT b.customer_id, MAX(CAST(f.transaction_ts AS DATE)) AS last_active_day
    FROM fact_transaction AS f
    JOIN bridge_customer_account AS b ON b.account_id = f.account_id
    GROUP BY b.customer_id
),
latest_segment AS (
    SELECT customer_id, segment
    FROM fact_customer_behavior
    QUALIFY ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY as_of_date DESC) = 1
),
customer_profile AS (
    SELECT
        c.customer_id,
        c.customer_type,
        c.location,
        COALESCE(g.segment, 'not segmented yet (run the ML jobs)') AS segment,
        COALESCE(s.transactions, 0) AS transactions,
        COALESCE(s.revenue, 0) AS revenue,
        a.last_active_day,
        DATE_DIFF('day', a.last_active_day, d.last_day) >= 60 AS is_churned
    FROM current_customer AS c
    CROSS JOIN last_data_day AS d
    LEFT JOIN primary_holder_spend AS s ON s.customer_id = c.customer_id
    LEFT JOIN customer_last_activity AS a ON a.customer_id = c.customer_id
    LEFT JOIN latest_segment AS g ON g.customer_id = c.customer_id
)
SELECT
    customer_type,
    location,
    segment,
    COUNT(*) AS customers,
    COUNT(last_active_day) AS customers_who_bought,
    COUNT(*) FILTER (WHERE is_churned) AS churned_customers,
    ROUND(100.0 * COUNT(*) FILTER (WHERE is_churned) / NULLIF(COUNT(last_active_day), 0), 1) AS churn_rate_pct,
    SUM(transactions) AS transactions,
    SUM(revenue) AS revenue,
    ROUND(SUM(revenue) / COUNT(*), 2) AS revenue_per_customer,
    ROUND(SUM(revenue) / NULLIF(SUM(transactions), 0), 2) AS avg_transaction_value
FROM customer_profile
GROUP BY customer_type, location, segment
ORDER BY revenue DESC, customer_type, location, segment;
