-- Real-time monitoring
--
-- Business question: How many transactions and how much revenue came in during the last
--   15 minutes, the last hour and the last 24 hours, per sales channel?
-- Grain: one row per time window and channel, plus an 'all channels' row per window.
-- Tables used: fact_transaction
-- Notes: Windows end at the latest transaction_ts in the warehouse (in a live system, about
--   now) and include their end but not their start. Channels without sales in a window show 0.
-- requires: fact_transaction

WITH latest_transaction AS (
    SELECT MAX(transaction_ts) AS latest_ts
    FROM fact_transaction
),
monitoring_window AS (
    SELECT *
    FROM (VALUES
        (1, 'last 15 minutes', INTERVAL 15 MINUTE),
        (2, 'last 1 hour', INTERVAL 1 HOUR),
        (3, 'last 24 hours', INTERVAL 24 HOUR)
    ) AS w(window_order, time_window, window_length)
),
window_bounds AS (
    SELECT
        w.window_order,
        w.time_window,
        l.latest_ts - w.window_length AS window_start,
        l.latest_ts AS window_end
    FROM monitoring_window AS w
    CROSS JOIN latest_transaction AS l
),
sales_channel AS (
    SELECT DISTINCT channel
    FROM fact_transaction
),
window_transaction AS (
    SELECT b.window_order, f.channel, f.amount, f.quantity
    FROM window_bounds AS b
    JOIN fact_transaction AS f
        ON f.transaction_ts > b.window_start AND f.transaction_ts <= b.window_end
),
channel_activity AS (
    SELECT
        b.window_order,
        b.time_window,
        b.window_start,
        b.window_end,
        c.channel,
        COUNT(t.amount) AS transactions,
        COALESCE(SUM(t.amount), 0) AS revenue,
        COALESCE(SUM(t.quantity), 0) AS units
    FROM window_bounds AS b
    CROSS JOIN sales_channel AS c
    LEFT JOIN window_transaction AS t ON t.window_order = b.window_order AND t.channel = c.channel
    GROUP BY b.window_order, b.time_window, b.window_start, b.window_end, c.channel
),
window_activity AS (
    SELECT * FROM channel_activity
    UNION ALL
    SELECT window_order, time_window, window_start, window_end, 'all channels', SUM(transactions), SUM(revenue), SUM(units)
    FROM channel_activity
    GROUP BY window_order, time_window, window_start, window_end
)
SELECT
    time_window,
    window_start,
    window_end,
    channel,
    transactions,
    revenue,
    units,
    ROUND(revenue / NULLIF(transactions, 0), 2) AS avg_ticket
FROM window_activity
ORDER BY window_order, channel <> 'all channels', channel;
