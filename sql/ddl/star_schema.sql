-- Star schema of the gold layer and the DuckDB warehouse.
-- This file is the single source of truth for gold: the Spark gold job writes exactly
-- these columns, the warehouse is created from it, and the data catalog reads its comments.
-- Every column has a comment; COMMENT statements follow each table.

CREATE TABLE IF NOT EXISTS dim_date (
    date_key      INTEGER PRIMARY KEY,
    full_date     DATE NOT NULL,
    year          INTEGER NOT NULL,
    quarter       INTEGER NOT NULL,
    month         INTEGER NOT NULL,
    month_name    VARCHAR NOT NULL,
    week_of_year  INTEGER NOT NULL,
    day_of_month  INTEGER NOT NULL,
    day_of_week   INTEGER NOT NULL,
    day_name      VARCHAR NOT NULL,
    is_weekend    BOOLEAN NOT NULL
);
COMMENT ON TABLE dim_date IS 'Calendar dimension, one row per day covered by transactions or inventory snapshots';
COMMENT ON COLUMN dim_date.date_key IS 'Surrogate key in yyyymmdd form, e.g. 20250131';
COMMENT ON COLUMN dim_date.full_date IS 'The calendar date';
COMMENT ON COLUMN dim_date.year IS 'Calendar year';
COMMENT ON COLUMN dim_date.quarter IS 'Calendar quarter, 1 to 4';
COMMENT ON COLUMN dim_date.month IS 'Month number, 1 to 12';
COMMENT ON COLUMN dim_date.month_name IS 'Month name in English, e.g. January';
COMMENT ON COLUMN dim_date.week_of_year IS 'ISO week number, 1 to 53';
COMMENT ON COLUMN dim_date.day_of_month IS 'Day of the month, 1 to 31';
COMMENT ON COLUMN dim_date.day_of_week IS 'ISO day of week, 1 = Monday to 7 = Sunday';
COMMENT ON COLUMN dim_date.day_name IS 'Day name in English, e.g. Monday';
COMMENT ON COLUMN dim_date.is_weekend IS 'True on Saturday and Sunday';

CREATE TABLE IF NOT EXISTS dim_customer (
    customer_key   BIGINT PRIMARY KEY,
    customer_id    VARCHAR NOT NULL,
    name           VARCHAR NOT NULL,
    email          VARCHAR NOT NULL,
    location       VARCHAR NOT NULL,
    customer_type  VARCHAR NOT NULL,
    valid_from     TIMESTAMP NOT NULL,
    valid_to       TIMESTAMP NOT NULL,
    is_current     BOOLEAN NOT NULL
);
COMMENT ON TABLE dim_customer IS 'Customers with slowly changing dimension type 2 history: one row per version of a customer';
COMMENT ON COLUMN dim_customer.customer_key IS 'Surrogate key of this version of the customer';
COMMENT ON COLUMN dim_customer.customer_id IS 'Business key of the customer, stable across versions, e.g. C000042 [PII: indirect]';
COMMENT ON COLUMN dim_customer.name IS 'Full name [PII: direct]';
COMMENT ON COLUMN dim_customer.email IS 'Email address, lower case [PII: direct]';
COMMENT ON COLUMN dim_customer.location IS 'City and country where the customer lives in this version [PII: indirect]';
COMMENT ON COLUMN dim_customer.customer_type IS 'Individual or Business';
COMMENT ON COLUMN dim_customer.valid_from IS 'When this version became true (inclusive)';
COMMENT ON COLUMN dim_customer.valid_to IS 'When this version stopped being true (exclusive); 9999-12-31 for the current version';
COMMENT ON COLUMN dim_customer.is_current IS 'True for the one current version of each customer';

CREATE TABLE IF NOT EXISTS dim_product (
    product_id    VARCHAR PRIMARY KEY,
    product_name  VARCHAR NOT NULL,
    category      VARCHAR NOT NULL,
    supplier      VARCHAR NOT NULL,
    cost_price    DECIMAL(12, 2) NOT NULL,
    list_price    DECIMAL(12, 2) NOT NULL
);
COMMENT ON TABLE dim_product IS 'Products on sale, one row per product';
COMMENT ON COLUMN dim_product.product_id IS 'Business key of the product, e.g. P0042';
COMMENT ON COLUMN dim_product.product_name IS 'Display name of the product';
COMMENT ON COLUMN dim_product.category IS 'Product category, e.g. Electronics';
COMMENT ON COLUMN dim_product.supplier IS 'Company that supplies the product';
COMMENT ON COLUMN dim_product.cost_price IS 'What one unit costs us, in the reporting currency';
COMMENT ON COLUMN dim_product.list_price IS 'Catalogue price of one unit before discounts';

CREATE TABLE IF NOT EXISTS dim_account (
    account_id    VARCHAR PRIMARY KEY,
    account_type  VARCHAR NOT NULL,
    balance       DECIMAL(14, 2) NOT NULL,
    opened_date   DATE NOT NULL
);
COMMENT ON TABLE dim_account IS 'Customer accounts that transactions are booked on; an account can be held jointly';
COMMENT ON COLUMN dim_account.account_id IS 'Business key of the account, e.g. A000042 [PII: indirect]';
COMMENT ON COLUMN dim_account.account_type IS 'Checking, Savings, Credit or Business';
COMMENT ON COLUMN dim_account.balance IS 'Balance at the time of the extract';
COMMENT ON COLUMN dim_account.opened_date IS 'Date the account was opened';

CREATE TABLE IF NOT EXISTS bridge_customer_account (
    customer_id        VARCHAR NOT NULL,
    account_id         VARCHAR NOT NULL,
    relationship_type  VARCHAR NOT NULL,
    PRIMARY KEY (customer_id, account_id)
);
COMMENT ON TABLE bridge_customer_account IS 'Which customers hold which accounts; joint accounts have one Primary and one or more Secondary holders';
COMMENT ON COLUMN bridge_customer_account.customer_id IS 'Holder of the account (business key into dim_customer) [PII: indirect]';
COMMENT ON COLUMN bridge_customer_account.account_id IS 'The account held (key into dim_account) [PII: indirect]';
COMMENT ON COLUMN bridge_customer_account.relationship_type IS 'Primary (exactly one per account) or Secondary';

CREATE TABLE IF NOT EXISTS fact_transaction (
    transaction_id  VARCHAR PRIMARY KEY,
    date_key        INTEGER NOT NULL,
    account_id      VARCHAR NOT NULL,
    product_id      VARCHAR NOT NULL,
    amount          DECIMAL(12, 2) NOT NULL,
    quantity        INTEGER NOT NULL,
    transaction_ts  TIMESTAMP NOT NULL,
    channel         VARCHAR NOT NULL
);
COMMENT ON TABLE fact_transaction IS 'Sales transactions, one row per valid transaction (grain: transaction)';
COMMENT ON COLUMN fact_transaction.transaction_id IS 'Business key of the transaction, unique';
COMMENT ON COLUMN fact_transaction.date_key IS 'Day of the transaction (key into dim_date)';
COMMENT ON COLUMN fact_transaction.account_id IS 'Account charged (key into dim_account) [PII: indirect]';
COMMENT ON COLUMN fact_transaction.product_id IS 'Product bought (key into dim_product)';
COMMENT ON COLUMN fact_transaction.amount IS 'Amount charged for the whole line, after discounts';
COMMENT ON COLUMN fact_transaction.quantity IS 'Units bought, at least 1';
COMMENT ON COLUMN fact_transaction.transaction_ts IS 'When the transaction happened, UTC';
COMMENT ON COLUMN fact_transaction.channel IS 'Sales channel: online, mobile, store or phone';

CREATE TABLE IF NOT EXISTS fact_inventory (
    stock_id       VARCHAR PRIMARY KEY,
    date_key       INTEGER NOT NULL,
    product_id     VARCHAR NOT NULL,
    warehouse      VARCHAR NOT NULL,
    snapshot_date  DATE NOT NULL,
    quantity       INTEGER NOT NULL,
    reorder_point  INTEGER NOT NULL
);
COMMENT ON TABLE fact_inventory IS 'Stock on hand (grain: product, warehouse and snapshot day)';
COMMENT ON COLUMN fact_inventory.stock_id IS 'Business key of the snapshot row';
COMMENT ON COLUMN fact_inventory.date_key IS 'Day of the snapshot (key into dim_date)';
COMMENT ON COLUMN fact_inventory.product_id IS 'Product counted (key into dim_product)';
COMMENT ON COLUMN fact_inventory.warehouse IS 'Warehouse holding the stock';
COMMENT ON COLUMN fact_inventory.snapshot_date IS 'Day the stock was counted';
COMMENT ON COLUMN fact_inventory.quantity IS 'Units on hand at the end of the day, never negative';
COMMENT ON COLUMN fact_inventory.reorder_point IS 'Stock level at or below which the product must be reordered';

CREATE TABLE IF NOT EXISTS fact_customer_behavior (
    customer_id            VARCHAR NOT NULL,
    as_of_date             DATE NOT NULL,
    recency_days           INTEGER NOT NULL,
    frequency              INTEGER NOT NULL,
    monetary               DECIMAL(14, 2) NOT NULL,
    distinct_categories    INTEGER NOT NULL,
    last_transaction_ts    TIMESTAMP,
    churn_flag             BOOLEAN,
    churn_score            DOUBLE,
    segment                VARCHAR,
    cross_sell_candidates  INTEGER,
    model_version          VARCHAR,
    PRIMARY KEY (customer_id, as_of_date)
);
COMMENT ON TABLE fact_customer_behavior IS 'Behaviour of each customer as of a date: RFM metrics from the pipeline, churn, segment and cross-sell columns from the ML jobs';
COMMENT ON COLUMN fact_customer_behavior.customer_id IS 'The customer (business key into dim_customer) [PII: indirect]';
COMMENT ON COLUMN fact_customer_behavior.as_of_date IS 'Day the metrics are computed for (the last day of data)';
COMMENT ON COLUMN fact_customer_behavior.recency_days IS 'Days between the last transaction on any account held and as_of_date';
COMMENT ON COLUMN fact_customer_behavior.frequency IS 'Number of transactions on accounts the customer holds';
COMMENT ON COLUMN fact_customer_behavior.monetary IS 'Total amount of those transactions';
COMMENT ON COLUMN fact_customer_behavior.distinct_categories IS 'Number of product categories bought';
COMMENT ON COLUMN fact_customer_behavior.last_transaction_ts IS 'Time of the last transaction, NULL if none';
COMMENT ON COLUMN fact_customer_behavior.churn_flag IS 'Predicted churner; NULL until the churn model has scored';
COMMENT ON COLUMN fact_customer_behavior.churn_score IS 'Calibrated churn probability 0..1; NULL until the churn model has scored';
COMMENT ON COLUMN fact_customer_behavior.segment IS 'Customer segment from K-Means; NULL until segmentation has run';
COMMENT ON COLUMN fact_customer_behavior.cross_sell_candidates IS 'Number of cross-sell recommendations for the customer; NULL until the recommender has run';
COMMENT ON COLUMN fact_customer_behavior.model_version IS 'Version of the models that filled the ML columns; NULL until then';
