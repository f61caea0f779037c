-- Cross-sell recommendations
--
-- Business question: Which products should we offer each customer next, and which products are
--   recommended most often?
-- Grain: one row per customer and recommendation, the top 3 recommendations of each customer.
-- Tables used: ml_cross_sell, dim_customer, dim_product
-- Notes: The recommender never proposes a product the customer already bought.
-- requires: ml_cross_sell

WITH top_recommendation AS (
    SELECT customer_id, product_id, rank, score, model_version
    FROM ml_cross_sell
    WHERE rank <= 3
),
current_customer AS (
    SELECT customer_id, name, customer_type
    FROM dim_customer
    WHERE is_current
)
SELECT
    r.customer_id,
    c.name AS customer_name,
    c.customer_type,
    r.rank,
    r.product_id,
    p.product_name,
    p.category,
    p.list_price,
    ROUND(r.score, 4) AS score,
    r.model_version
FROM top_recommendation AS r
LEFT JOIN current_customer AS c ON c.customer_id = r.customer_id
LEFT JOIN dim_product AS p ON p.product_id = r.product_id
ORDER BY r.customer_id, r.rank;
