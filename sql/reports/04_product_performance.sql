-- Product performance
--
-- Business question: Which categories and suppliers bring the revenue, the units and the gross
--   margin, and which of them sell at a thin margin?
-- Grain: one row per product category and supplier, including pairs that sold nothing.
-- Tables used: dim_product, fact_transaction
-- Notes: Cost of goods = units sold x the product's cost price; gross margin = revenue - cost of
--   goods.
-- requires: dim_product, fact_transaction

WITH product_sales AS (
    SELECT
        p.category,
        p.supplier,
        p.product_id,
        f.transaction_id,
        COALESCE(f.quantity, 0) AS units,
        COALESCE(f.amount, 0) AS revenue,
        COALESCE(f.quantity, 0) * p.cost_price AS cost_of_goods
    FROM dim_product AS p
    LEFT JOIN fact_transaction AS f ON f.product_id = p.product_id
),
category_supplier_sales AS (
    SELECT
        category,
        supplier,
        COUNT(DISTINCT product_id) AS products,
        COUNT(transaction_id) AS transactions,
        SUM(units) AS units,
        SUM(revenue) AS revenue,
        SUM(cost_of_goods) AS cost_of_goods,
        SUM(revenue) - SUM(cost_of_goods) AS gross_margin
    FROM product_sales
    GROUP BY category, supplier
)
SELECT
    category,
    supplier,
    products,
    transactions,
    units,
    revenue,
    cost_of_goods,
    gross_margin,
    ROUND(100 * gross_margin / NULLIF(revenue, 0), 1) AS gross_margin_pct,
    ROUND(100 * revenue / NULLIF(SUM(revenue) OVER (), 0), 1) AS share_of_revenue_pct
FROM category_supplier_sales
ORDER BY revenue DESC, category, supplier;
