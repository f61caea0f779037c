-- Account activity
--
-- Business question: How do joint and single-holder accounts compare in holders and activity,
--   for each account type?
-- Grain: one row per account type and ownership (joint = more than one holder, single = one).
-- Tables used: dim_account, bridge_customer_account, fact_transaction
-- Notes: The primary_holders and secondary_holders columns count holdings: a customer holding
--   two accounts of the same row counts twice. An active account has at least one transaction.
-- requires: dim_account, bridge_customer_account

WITH account_holders AS (
    SELECT
        a.account_id,
        a.account_type,
        a.balance,
        COUNT(b.customer_id) AS holders,
        COUNT(b.customer_id) FILTER (WHERE b.relationship_type = 'Primary') AS primary_holders,
        COUNT(b.customer_id) FILTER (WHERE b.relationship_type = 'Secondary') AS secondary_holders
    FROM dim_account AS a
    LEFT JOIN bridge_customer_account AS b ON b.account_id = a.account_id
    GROUP BY a.account_id, a.account_type, a.balance
),
account_transactions AS (
    SELECT account_id, COUNT(*) AS transactions, SUM(amount) AS revenue
    FROM fact_transaction
    GROUP BY account_id
),
account_profile AS (
    SELECT
        h.account_type,
        CASE WHEN h.holders > 1 THEN 'joint' WHEN h.holders = 1 THEN 'single' ELSE 'no holder' END AS ownership,
        h.balance,
        h.primary_holders,
        h.secondary_holders,
        COALESCE(t.transactions, 0) AS transactions,
        COALESCE(t.revenue, 0) AS revenue
    FROM account_holders AS h
    LEFT JOIN account_transactions AS t ON t.account_id = h.account_id
)
SELECT
    account_type,
    ownership,
    COUNT(*) AS accounts,
    SUM(primary_holders) AS primary_holders,
    SUM(secondary_holders) AS secondary_holders,
    COUNT(*) FILTER (WHERE transactions > 0) AS active_accounts,
    SUM(transactions) AS transactions,
    SUM(revenue) AS revenue,
    ROUND(SUM(transactions) / COUNT(*), 1) AS transactions_per_account,
    ROUND(AVG(balance), 2) AS avg_balance
FROM account_profile
GROUP BY account_type, ownership
ORDER BY account_type, ownership;
