-- Inventory health
--
-- Business question: Which products are out of stock or at their reorder point in which
--   warehouse, and how many days will the stock on hand last at the recent rate of sales?
-- Grain: one row per product and warehouse, from the latest snapshot of that pair.
-- Tables used: fact_inventory, fact_transaction, dim_product
-- Notes: Stock-out means 0 units on hand; reorder now means at or below the reorder point.
--   Days of cover = units on hand in all warehouses / average daily units sold over the last
--   28 days of sales; empty when the product did not sell in those days.
-- requires: fact_inventory, dim_product

WITH latest_snapshot AS (
    SELECT product_id, warehouse, snapshot_date, quantity, reorder_point
    FROM fact_inventory
    QUALIFY ROW_NUMBER() OVER (PARTITION BY product_id, warehouse ORDER BY snapshot_date DESC) = 1
),
product_on_hand AS (
    SELECT product_id, SUM(quantity) AS units_on_hand
    FROM latest_snapshot
    GROUP BY product_id
),
last_sales_day AS (
    SELECT MAX(CAST(transaction_ts AS DATE)) AS last_day
    FROM fact_transaction
),
recent_product_sales AS (
    SELECT f.product_id, SUM(f.quantity) AS units_sold
    FROM fact_transaction AS f
    CROSS JOIN last_sales_day AS l
    WHERE CAST(f.transaction_ts AS DATE) > l.last_day - 28
    GROUP BY f.product_id
),
stock_position AS (
    SELECT
        s.product_id,
        p.product_name,
        p.category,
        s.warehouse,
        s.snapshot_date,
        s.quantity AS units_on_hand,
        s.reorder_point,
        CASE
            WHEN s.quantity = 0 THEN 'stock-out'
            WHEN s.quantity <= s.reorder_point THEN 'reorder now'
            ELSE 'ok'
        END AS stock_status,
        COALESCE(r.units_sold, 0) AS product_units_sold_last_28_days,
        ROUND(COALESCE(r.units_sold, 0) / 28.0, 2) AS product_avg_daily_units,
        CASE WHEN r.units_sold > 0 THEN ROUND(o.units_on_hand / (r.units_sold / 28.0), 1) END AS product_days_of_cover
    FROM latest_snapshot AS s
    JOIN dim_product AS p ON p.product_id = s.product_id
    JOIN product_on_hand AS o ON o.product_id = s.product_id
    LEFT JOIN recent_product_sales AS r ON r.product_id = s.product_id
)
SELECT *
FROM stock_position
ORDER BY
    CASE stock_status WHEN 'stock-out' THEN 1 WHEN 'reorder now' THEN 2 ELSE 3 END,
    product_days_of_cover NULLS LAST,
    product_id,
    warehouse;
