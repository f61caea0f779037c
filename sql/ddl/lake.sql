-- The lake layers: the raw files, bronze, silver and quarantine, one table per raw dataset.
-- Nothing creates these tables: they describe the files and Parquet folders the pipeline
-- writes (table raw_<dataset> = <raw>/<dataset>.csv, bronze_<dataset> = <bronze>/<dataset>/,
-- and so on), for the data catalog. tests/catalog checks them against what the pipeline writes.
-- Every column has a comment; a trailing [PII: direct] or [PII: indirect] tag classifies
-- personal data (see docs/catalog.md).

-- Raw: the CSV files as delivered (jobs/ingest/raw_contract.py), every field as text.
CREATE TABLE IF NOT EXISTS raw_customers (
    customer_id    VARCHAR,
    name           VARCHAR,
    email          VARCHAR,
    location       VARCHAR,
    customer_type  VARCHAR,
    updated_at     VARCHAR
);
COMMENT ON TABLE raw_customers IS 'Customers as extracted from the source system, one row per version of a customer: the extracts under raw/customers/ exactly as delivered, every field as text';
COMMENT ON COLUMN raw_customers.customer_id IS 'Business key of the customer, e.g. C000042 [PII: indirect]';
COMMENT ON COLUMN raw_customers.name IS 'Full name [PII: direct]';
COMMENT ON COLUMN raw_customers.email IS 'Email address [PII: direct]';
COMMENT ON COLUMN raw_customers.location IS 'City and country where the customer lives in this version [PII: indirect]';
COMMENT ON COLUMN raw_customers.customer_type IS 'Individual or Business';
COMMENT ON COLUMN raw_customers.updated_at IS 'When this version of the customer was recorded, UTC; ISO 8601 text as received';

CREATE TABLE IF NOT EXISTS raw_products (
    product_id    VARCHAR,
    product_name  VARCHAR,
    category      VARCHAR,
    supplier      VARCHAR,
    cost_price    VARCHAR,
    list_price    VARCHAR
);
COMMENT ON TABLE raw_products IS 'Products on sale, one row per product: the extracts under raw/products/ exactly as delivered, every field as text';
COMMENT ON COLUMN raw_products.product_id IS 'Business key of the product, e.g. P0042';
COMMENT ON COLUMN raw_products.product_name IS 'Display name of the product';
COMMENT ON COLUMN raw_products.category IS 'Product category, e.g. Electronics';
COMMENT ON COLUMN raw_products.supplier IS 'Company that supplies the product';
COMMENT ON COLUMN raw_products.cost_price IS 'What one unit costs us, in the reporting currency; text with two decimals as received';
COMMENT ON COLUMN raw_products.list_price IS 'Catalogue price of one unit before discounts; text with two decimals as received';

CREATE TABLE IF NOT EXISTS raw_accounts (
    account_id    VARCHAR,
    account_type  VARCHAR,
    balance       VARCHAR,
    opened_date   VARCHAR
);
COMMENT ON TABLE raw_accounts IS 'Customer accounts that transactions are booked on: the extracts under raw/accounts/ exactly as delivered, every field as text';
COMMENT ON COLUMN raw_accounts.account_id IS 'Business key of the account, e.g. A000042 [PII: indirect]';
COMMENT ON COLUMN raw_accounts.account_type IS 'Checking, Savings, Credit or Business';
COMMENT ON COLUMN raw_accounts.balance IS 'Balance at the time of the extract; text with two decimals as received';
COMMENT ON COLUMN raw_accounts.opened_date IS 'Date the account was opened; yyyy-mm-dd text as received';

CREATE TABLE IF NOT EXISTS raw_customer_accounts (
    customer_id        VARCHAR,
    account_id         VARCHAR,
    relationship_type  VARCHAR
);
COMMENT ON TABLE raw_customer_accounts IS 'Which customers hold which accounts (Primary or Secondary holder): the extracts under raw/customer_accounts/ exactly as delivered, every field as text';
COMMENT ON COLUMN raw_customer_accounts.customer_id IS 'Holder of the account (business key of the customer) [PII: indirect]';
COMMENT ON COLUMN raw_customer_accounts.account_id IS 'The account held [PII: indirect]';
COMMENT ON COLUMN raw_customer_accounts.relationship_type IS 'Primary (exactly one per account) or Secondary';

CREATE TABLE IF NOT EXISTS raw_transactions (
    transaction_id  VARCHAR,
    account_id      VARCHAR,
    product_id      VARCHAR,
    amount          VARCHAR,
    quantity        VARCHAR,
    transaction_ts  VARCHAR,
    channel         VARCHAR
);
COMMENT ON TABLE raw_transactions IS 'Sales transactions, one row per transaction line: the extracts under raw/transactions/ exactly as delivered, every field as text';
COMMENT ON COLUMN raw_transactions.transaction_id IS 'Business key of the transaction';
COMMENT ON COLUMN raw_transactions.account_id IS 'Account charged [PII: indirect]';
COMMENT ON COLUMN raw_transactions.product_id IS 'Product bought';
COMMENT ON COLUMN raw_transactions.amount IS 'Amount charged for the whole line, after discounts; text with two decimals as received';
COMMENT ON COLUMN raw_transactions.quantity IS 'Units bought; text as received';
COMMENT ON COLUMN raw_transactions.transaction_ts IS 'When the transaction happened, UTC; ISO 8601 text as received';
COMMENT ON COLUMN raw_transactions.channel IS 'Sales channel: online, mobile, store or phone';

CREATE TABLE IF NOT EXISTS raw_inventory (
    stock_id       VARCHAR,
    product_id     VARCHAR,
    warehouse      VARCHAR,
    snapshot_date  VARCHAR,
    quantity       VARCHAR,
    reorder_point  VARCHAR
);
COMMENT ON TABLE raw_inventory IS 'Stock snapshots: stock on hand per product, warehouse and day: the extracts under raw/inventory/ exactly as delivered, every field as text';
COMMENT ON COLUMN raw_inventory.stock_id IS 'Business key of the snapshot row';
COMMENT ON COLUMN raw_inventory.product_id IS 'Product counted';
COMMENT ON COLUMN raw_inventory.warehouse IS 'Warehouse holding the stock';
COMMENT ON COLUMN raw_inventory.snapshot_date IS 'Day the stock was counted; yyyy-mm-dd text as received';
COMMENT ON COLUMN raw_inventory.quantity IS 'Units on hand at the end of the day; text as received';
COMMENT ON COLUMN raw_inventory.reorder_point IS 'Stock level at or below which the product must be reordered; text as received';

-- Bronze: every raw row of every extract as received plus ingestion metadata (jobs/ingest/bronze.py).
CREATE TABLE IF NOT EXISTS bronze_customers (
    customer_id      VARCHAR,
    name             VARCHAR,
    email            VARCHAR,
    location         VARCHAR,
    customer_type    VARCHAR,
    updated_at       VARCHAR,
    _corrupt_record  VARCHAR,
    source_row       BIGINT,
    source_file      VARCHAR,
    ingested_at      TIMESTAMP,
    batch_id         VARCHAR,
    extract_name     VARCHAR
);
COMMENT ON TABLE bronze_customers IS 'Customers as extracted from the source system, one row per version of a customer: every raw row as received (all text) plus ingestion metadata; nothing validated yet';
COMMENT ON COLUMN bronze_customers.customer_id IS 'Business key of the customer, e.g. C000042 [PII: indirect]';
COMMENT ON COLUMN bronze_customers.name IS 'Full name [PII: direct]';
COMMENT ON COLUMN bronze_customers.email IS 'Email address [PII: direct]';
COMMENT ON COLUMN bronze_customers.location IS 'City and country where the customer lives in this version [PII: indirect]';
COMMENT ON COLUMN bronze_customers.customer_type IS 'Individual or Business';
COMMENT ON COLUMN bronze_customers.updated_at IS 'When this version of the customer was recorded, UTC; ISO 8601 text as received';
COMMENT ON COLUMN bronze_customers._corrupt_record IS 'The raw line when its number of fields is wrong (silver quarantines it as malformed_row), else NULL [PII: direct]';
COMMENT ON COLUMN bronze_customers.source_row IS 'Position of the record in its raw extract file, 1 = first data row';
COMMENT ON COLUMN bronze_customers.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN bronze_customers.ingested_at IS 'When the bronze job ingested the file, UTC';
COMMENT ON COLUMN bronze_customers.batch_id IS 'Ingestion batch, derived from the content hash of the raw file: the same input always gets the same id';
COMMENT ON COLUMN bronze_customers.extract_name IS 'The extract the row was delivered in (its file name without .csv), also the folder bronze keeps it in';

CREATE TABLE IF NOT EXISTS bronze_products (
    product_id       VARCHAR,
    product_name     VARCHAR,
    category         VARCHAR,
    supplier         VARCHAR,
    cost_price       VARCHAR,
    list_price       VARCHAR,
    _corrupt_record  VARCHAR,
    source_row       BIGINT,
    source_file      VARCHAR,
    ingested_at      TIMESTAMP,
    batch_id         VARCHAR,
    extract_name     VARCHAR
);
COMMENT ON TABLE bronze_products IS 'Products on sale, one row per product: every raw row as received (all text) plus ingestion metadata; nothing validated yet';
COMMENT ON COLUMN bronze_products.product_id IS 'Business key of the product, e.g. P0042';
COMMENT ON COLUMN bronze_products.product_name IS 'Display name of the product';
COMMENT ON COLUMN bronze_products.category IS 'Product category, e.g. Electronics';
COMMENT ON COLUMN bronze_products.supplier IS 'Company that supplies the product';
COMMENT ON COLUMN bronze_products.cost_price IS 'What one unit costs us, in the reporting currency; text with two decimals as received';
COMMENT ON COLUMN bronze_products.list_price IS 'Catalogue price of one unit before discounts; text with two decimals as received';
COMMENT ON COLUMN bronze_products._corrupt_record IS 'The raw line when its number of fields is wrong (silver quarantines it as malformed_row), else NULL [PII: direct]';
COMMENT ON COLUMN bronze_products.source_row IS 'Position of the record in its raw extract file, 1 = first data row';
COMMENT ON COLUMN bronze_products.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN bronze_products.ingested_at IS 'When the bronze job ingested the file, UTC';
COMMENT ON COLUMN bronze_products.batch_id IS 'Ingestion batch, derived from the content hash of the raw file: the same input always gets the same id';
COMMENT ON COLUMN bronze_products.extract_name IS 'The extract the row was delivered in (its file name without .csv), also the folder bronze keeps it in';

CREATE TABLE IF NOT EXISTS bronze_accounts (
    account_id       VARCHAR,
    account_type     VARCHAR,
    balance          VARCHAR,
    opened_date      VARCHAR,
    _corrupt_record  VARCHAR,
    source_row       BIGINT,
    source_file      VARCHAR,
    ingested_at      TIMESTAMP,
    batch_id         VARCHAR,
    extract_name     VARCHAR
);
COMMENT ON TABLE bronze_accounts IS 'Customer accounts that transactions are booked on: every raw row as received (all text) plus ingestion metadata; nothing validated yet';
COMMENT ON COLUMN bronze_accounts.account_id IS 'Business key of the account, e.g. A000042 [PII: indirect]';
COMMENT ON COLUMN bronze_accounts.account_type IS 'Checking, Savings, Credit or Business';
COMMENT ON COLUMN bronze_accounts.balance IS 'Balance at the time of the extract; text with two decimals as received';
COMMENT ON COLUMN bronze_accounts.opened_date IS 'Date the account was opened; yyyy-mm-dd text as received';
COMMENT ON COLUMN bronze_accounts._corrupt_record IS 'The raw line when its number of fields is wrong (silver quarantines it as malformed_row), else NULL [PII: direct]';
COMMENT ON COLUMN bronze_accounts.source_row IS 'Position of the record in its raw extract file, 1 = first data row';
COMMENT ON COLUMN bronze_accounts.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN bronze_accounts.ingested_at IS 'When the bronze job ingested the file, UTC';
COMMENT ON COLUMN bronze_accounts.batch_id IS 'Ingestion batch, derived from the content hash of the raw file: the same input always gets the same id';
COMMENT ON COLUMN bronze_accounts.extract_name IS 'The extract the row was delivered in (its file name without .csv), also the folder bronze keeps it in';

CREATE TABLE IF NOT EXISTS bronze_customer_accounts (
    customer_id        VARCHAR,
    account_id         VARCHAR,
    relationship_type  VARCHAR,
    _corrupt_record    VARCHAR,
    source_row         BIGINT,
    source_file        VARCHAR,
    ingested_at        TIMESTAMP,
    batch_id           VARCHAR,
    extract_name       VARCHAR
);
COMMENT ON TABLE bronze_customer_accounts IS 'Which customers hold which accounts (Primary or Secondary holder): every raw row as received (all text) plus ingestion metadata; nothing validated yet';
COMMENT ON COLUMN bronze_customer_accounts.customer_id IS 'Holder of the account (business key of the customer) [PII: indirect]';
COMMENT ON COLUMN bronze_customer_accounts.account_id IS 'The account held [PII: indirect]';
COMMENT ON COLUMN bronze_customer_accounts.relationship_type IS 'Primary (exactly one per account) or Secondary';
COMMENT ON COLUMN bronze_customer_accounts._corrupt_record IS 'The raw line when its number of fields is wrong (silver quarantines it as malformed_row), else NULL [PII: direct]';
COMMENT ON COLUMN bronze_customer_accounts.source_row IS 'Position of the record in its raw extract file, 1 = first data row';
COMMENT ON COLUMN bronze_customer_accounts.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN bronze_customer_accounts.ingested_at IS 'When the bronze job ingested the file, UTC';
COMMENT ON COLUMN bronze_customer_accounts.batch_id IS 'Ingestion batch, derived from the content hash of the raw file: the same input always gets the same id';
COMMENT ON COLUMN bronze_customer_accounts.extract_name IS 'The extract the row was delivered in (its file name without .csv), also the folder bronze keeps it in';

CREATE TABLE IF NOT EXISTS bronze_transactions (
    transaction_id   VARCHAR,
    account_id       VARCHAR,
    product_id       VARCHAR,
    amount           VARCHAR,
    quantity         VARCHAR,
    transaction_ts   VARCHAR,
    channel          VARCHAR,
    _corrupt_record  VARCHAR,
    source_row       BIGINT,
    source_file      VARCHAR,
    ingested_at      TIMESTAMP,
    batch_id         VARCHAR,
    extract_name     VARCHAR
);
COMMENT ON TABLE bronze_transactions IS 'Sales transactions, one row per transaction line: every raw row as received (all text) plus ingestion metadata; nothing validated yet';
COMMENT ON COLUMN bronze_transactions.transaction_id IS 'Business key of the transaction';
COMMENT ON COLUMN bronze_transactions.account_id IS 'Account charged [PII: indirect]';
COMMENT ON COLUMN bronze_transactions.product_id IS 'Product bought';
COMMENT ON COLUMN bronze_transactions.amount IS 'Amount charged for the whole line, after discounts; text with two decimals as received';
COMMENT ON COLUMN bronze_transactions.quantity IS 'Units bought; text as received';
COMMENT ON COLUMN bronze_transactions.transaction_ts IS 'When the transaction happened, UTC; ISO 8601 text as received';
COMMENT ON COLUMN bronze_transactions.channel IS 'Sales channel: online, mobile, store or phone';
COMMENT ON COLUMN bronze_transactions._corrupt_record IS 'The raw line when its number of fields is wrong (silver quarantines it as malformed_row), else NULL [PII: direct]';
COMMENT ON COLUMN bronze_transactions.source_row IS 'Position of the record in its raw extract file, 1 = first data row';
COMMENT ON COLUMN bronze_transactions.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN bronze_transactions.ingested_at IS 'When the bronze job ingested the file, UTC';
COMMENT ON COLUMN bronze_transactions.batch_id IS 'Ingestion batch, derived from the content hash of the raw file: the same input always gets the same id';
COMMENT ON COLUMN bronze_transactions.extract_name IS 'The extract the row was delivered in (its file name without .csv), also the folder bronze keeps it in';

CREATE TABLE IF NOT EXISTS bronze_inventory (
    stock_id         VARCHAR,
    product_id       VARCHAR,
    warehouse        VARCHAR,
    snapshot_date    VARCHAR,
    quantity         VARCHAR,
    reorder_point    VARCHAR,
    _corrupt_record  VARCHAR,
    source_row       BIGINT,
    source_file      VARCHAR,
    ingested_at      TIMESTAMP,
    batch_id         VARCHAR,
    extract_name     VARCHAR
);
COMMENT ON TABLE bronze_inventory IS 'Stock snapshots: stock on hand per product, warehouse and day: every raw row as received (all text) plus ingestion metadata; nothing validated yet';
COMMENT ON COLUMN bronze_inventory.stock_id IS 'Business key of the snapshot row';
COMMENT ON COLUMN bronze_inventory.product_id IS 'Product counted';
COMMENT ON COLUMN bronze_inventory.warehouse IS 'Warehouse holding the stock';
COMMENT ON COLUMN bronze_inventory.snapshot_date IS 'Day the stock was counted; yyyy-mm-dd text as received';
COMMENT ON COLUMN bronze_inventory.quantity IS 'Units on hand at the end of the day; text as received';
COMMENT ON COLUMN bronze_inventory.reorder_point IS 'Stock level at or below which the product must be reordered; text as received';
COMMENT ON COLUMN bronze_inventory._corrupt_record IS 'The raw line when its number of fields is wrong (silver quarantines it as malformed_row), else NULL [PII: direct]';
COMMENT ON COLUMN bronze_inventory.source_row IS 'Position of the record in its raw extract file, 1 = first data row';
COMMENT ON COLUMN bronze_inventory.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN bronze_inventory.ingested_at IS 'When the bronze job ingested the file, UTC';
COMMENT ON COLUMN bronze_inventory.batch_id IS 'Ingestion batch, derived from the content hash of the raw file: the same input always gets the same id';
COMMENT ON COLUMN bronze_inventory.extract_name IS 'The extract the row was delivered in (its file name without .csv), also the folder bronze keeps it in';

-- Silver: typed, cleaned and validated rows with their trace columns (jobs/refine/silver_rules.py).
CREATE TABLE IF NOT EXISTS silver_customers (
    customer_id    VARCHAR,
    name           VARCHAR,
    email          VARCHAR,
    location       VARCHAR,
    customer_type  VARCHAR,
    updated_at     TIMESTAMP,
    source_file    VARCHAR,
    batch_id       VARCHAR
);
COMMENT ON TABLE silver_customers IS 'Customers as extracted from the source system, one row per version of a customer: validated, typed, cleaned and de-duplicated; rejected rows are in quarantine';
COMMENT ON COLUMN silver_customers.customer_id IS 'Business key of the customer, e.g. C000042 [PII: indirect]';
COMMENT ON COLUMN silver_customers.name IS 'Full name [PII: direct]';
COMMENT ON COLUMN silver_customers.email IS 'Email address, lower case [PII: direct]';
COMMENT ON COLUMN silver_customers.location IS 'City and country where the customer lives in this version [PII: indirect]';
COMMENT ON COLUMN silver_customers.customer_type IS 'Individual or Business';
COMMENT ON COLUMN silver_customers.updated_at IS 'When this version of the customer was recorded, UTC';
COMMENT ON COLUMN silver_customers.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN silver_customers.batch_id IS 'Ingestion batch the row came in with (see bronze)';

CREATE TABLE IF NOT EXISTS silver_products (
    product_id    VARCHAR,
    product_name  VARCHAR,
    category      VARCHAR,
    supplier      VARCHAR,
    cost_price    DECIMAL(12, 2),
    list_price    DECIMAL(12, 2),
    source_file   VARCHAR,
    batch_id      VARCHAR
);
COMMENT ON TABLE silver_products IS 'Products on sale, one row per product: validated, typed, cleaned and de-duplicated; rejected rows are in quarantine';
COMMENT ON COLUMN silver_products.product_id IS 'Business key of the product, e.g. P0042';
COMMENT ON COLUMN silver_products.product_name IS 'Display name of the product';
COMMENT ON COLUMN silver_products.category IS 'Product category, e.g. Electronics';
COMMENT ON COLUMN silver_products.supplier IS 'Company that supplies the product';
COMMENT ON COLUMN silver_products.cost_price IS 'What one unit costs us, in the reporting currency';
COMMENT ON COLUMN silver_products.list_price IS 'Catalogue price of one unit before discounts';
COMMENT ON COLUMN silver_products.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN silver_products.batch_id IS 'Ingestion batch the row came in with (see bronze)';

CREATE TABLE IF NOT EXISTS silver_accounts (
    account_id    VARCHAR,
    account_type  VARCHAR,
    balance       DECIMAL(14, 2),
    opened_date   DATE,
    source_file   VARCHAR,
    batch_id      VARCHAR
);
COMMENT ON TABLE silver_accounts IS 'Customer accounts that transactions are booked on: validated, typed, cleaned and de-duplicated; rejected rows are in quarantine';
COMMENT ON COLUMN silver_accounts.account_id IS 'Business key of the account, e.g. A000042 [PII: indirect]';
COMMENT ON COLUMN silver_accounts.account_type IS 'Checking, Savings, Credit or Business';
COMMENT ON COLUMN silver_accounts.balance IS 'Balance at the time of the extract';
COMMENT ON COLUMN silver_accounts.opened_date IS 'Date the account was opened';
COMMENT ON COLUMN silver_accounts.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN silver_accounts.batch_id IS 'Ingestion batch the row came in with (see bronze)';

CREATE TABLE IF NOT EXISTS silver_customer_accounts (
    customer_id        VARCHAR,
    account_id         VARCHAR,
    relationship_type  VARCHAR,
    source_file        VARCHAR,
    batch_id           VARCHAR
);
COMMENT ON TABLE silver_customer_accounts IS 'Which customers hold which accounts (Primary or Secondary holder): validated, typed, cleaned and de-duplicated; rejected rows are in quarantine';
COMMENT ON COLUMN silver_customer_accounts.customer_id IS 'Holder of the account (business key of the customer) [PII: indirect]';
COMMENT ON COLUMN silver_customer_accounts.account_id IS 'The account held [PII: indirect]';
COMMENT ON COLUMN silver_customer_accounts.relationship_type IS 'Primary (exactly one per account) or Secondary, capitalised';
COMMENT ON COLUMN silver_customer_accounts.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN silver_customer_accounts.batch_id IS 'Ingestion batch the row came in with (see bronze)';

CREATE TABLE IF NOT EXISTS silver_transactions (
    transaction_id  VARCHAR,
    account_id      VARCHAR,
    product_id      VARCHAR,
    amount          DECIMAL(12, 2),
    quantity        INTEGER,
    transaction_ts  TIMESTAMP,
    channel         VARCHAR,
    source_file     VARCHAR,
    batch_id        VARCHAR
);
COMMENT ON TABLE silver_transactions IS 'Sales transactions, one row per transaction line: validated, typed, cleaned and de-duplicated; rejected rows are in quarantine';
COMMENT ON COLUMN silver_transactions.transaction_id IS 'Business key of the transaction';
COMMENT ON COLUMN silver_transactions.account_id IS 'Account charged [PII: indirect]';
COMMENT ON COLUMN silver_transactions.product_id IS 'Product bought';
COMMENT ON COLUMN silver_transactions.amount IS 'Amount charged for the whole line, after discounts';
COMMENT ON COLUMN silver_transactions.quantity IS 'Units bought';
COMMENT ON COLUMN silver_transactions.transaction_ts IS 'When the transaction happened, UTC';
COMMENT ON COLUMN silver_transactions.channel IS 'Sales channel, lower case: online, mobile, store or phone';
COMMENT ON COLUMN silver_transactions.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN silver_transactions.batch_id IS 'Ingestion batch the row came in with (see bronze)';

CREATE TABLE IF NOT EXISTS silver_inventory (
    stock_id       VARCHAR,
    product_id     VARCHAR,
    warehouse      VARCHAR,
    snapshot_date  DATE,
    quantity       INTEGER,
    reorder_point  INTEGER,
    source_file    VARCHAR,
    batch_id       VARCHAR
);
COMMENT ON TABLE silver_inventory IS 'Stock snapshots: stock on hand per product, warehouse and day: validated, typed, cleaned and de-duplicated; rejected rows are in quarantine';
COMMENT ON COLUMN silver_inventory.stock_id IS 'Business key of the snapshot row';
COMMENT ON COLUMN silver_inventory.product_id IS 'Product counted';
COMMENT ON COLUMN silver_inventory.warehouse IS 'Warehouse holding the stock';
COMMENT ON COLUMN silver_inventory.snapshot_date IS 'Day the stock was counted';
COMMENT ON COLUMN silver_inventory.quantity IS 'Units on hand at the end of the day';
COMMENT ON COLUMN silver_inventory.reorder_point IS 'Stock level at or below which the product must be reordered';
COMMENT ON COLUMN silver_inventory.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN silver_inventory.batch_id IS 'Ingestion batch the row came in with (see bronze)';

-- Quarantine: rejected rows with their reason; the warehouse table quarantine is their union.
CREATE TABLE IF NOT EXISTS quarantine_customers (
    dataset      VARCHAR,
    reason       VARCHAR,
    record       VARCHAR,
    source_file  VARCHAR,
    batch_id     VARCHAR
);
COMMENT ON TABLE quarantine_customers IS 'Rows of customers rejected on the way from bronze to silver, each with its reason';
COMMENT ON COLUMN quarantine_customers.dataset IS 'Raw dataset the row came from';
COMMENT ON COLUMN quarantine_customers.reason IS 'Why the row was rejected: the first validation rule it failed';
COMMENT ON COLUMN quarantine_customers.record IS 'The row as received, as JSON of its raw string fields [PII: direct]';
COMMENT ON COLUMN quarantine_customers.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN quarantine_customers.batch_id IS 'Ingestion batch, derived from the content of the raw file';

CREATE TABLE IF NOT EXISTS quarantine_products (
    dataset      VARCHAR,
    reason       VARCHAR,
    record       VARCHAR,
    source_file  VARCHAR,
    batch_id     VARCHAR
);
COMMENT ON TABLE quarantine_products IS 'Rows of products rejected on the way from bronze to silver, each with its reason';
COMMENT ON COLUMN quarantine_products.dataset IS 'Raw dataset the row came from';
COMMENT ON COLUMN quarantine_products.reason IS 'Why the row was rejected: the first validation rule it failed';
COMMENT ON COLUMN quarantine_products.record IS 'The row as received, as JSON of its raw string fields [PII: direct]';
COMMENT ON COLUMN quarantine_products.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN quarantine_products.batch_id IS 'Ingestion batch, derived from the content of the raw file';

CREATE TABLE IF NOT EXISTS quarantine_accounts (
    dataset      VARCHAR,
    reason       VARCHAR,
    record       VARCHAR,
    source_file  VARCHAR,
    batch_id     VARCHAR
);
COMMENT ON TABLE quarantine_accounts IS 'Rows of accounts rejected on the way from bronze to silver, each with its reason';
COMMENT ON COLUMN quarantine_accounts.dataset IS 'Raw dataset the row came from';
COMMENT ON COLUMN quarantine_accounts.reason IS 'Why the row was rejected: the first validation rule it failed';
COMMENT ON COLUMN quarantine_accounts.record IS 'The row as received, as JSON of its raw string fields [PII: direct]';
COMMENT ON COLUMN quarantine_accounts.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN quarantine_accounts.batch_id IS 'Ingestion batch, derived from the content of the raw file';

CREATE TABLE IF NOT EXISTS quarantine_customer_accounts (
    dataset      VARCHAR,
    reason       VARCHAR,
    record       VARCHAR,
    source_file  VARCHAR,
    batch_id     VARCHAR
);
COMMENT ON TABLE quarantine_customer_accounts IS 'Rows of customer_accounts rejected on the way from bronze to silver, each with its reason';
COMMENT ON COLUMN quarantine_customer_accounts.dataset IS 'Raw dataset the row came from';
COMMENT ON COLUMN quarantine_customer_accounts.reason IS 'Why the row was rejected: the first validation rule it failed';
COMMENT ON COLUMN quarantine_customer_accounts.record IS 'The row as received, as JSON of its raw string fields [PII: direct]';
COMMENT ON COLUMN quarantine_customer_accounts.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN quarantine_customer_accounts.batch_id IS 'Ingestion batch, derived from the content of the raw file';

CREATE TABLE IF NOT EXISTS quarantine_transactions (
    dataset      VARCHAR,
    reason       VARCHAR,
    record       VARCHAR,
    source_file  VARCHAR,
    batch_id     VARCHAR
);
COMMENT ON TABLE quarantine_transactions IS 'Rows of transactions rejected on the way from bronze to silver, each with its reason';
COMMENT ON COLUMN quarantine_transactions.dataset IS 'Raw dataset the row came from';
COMMENT ON COLUMN quarantine_transactions.reason IS 'Why the row was rejected: the first validation rule it failed';
COMMENT ON COLUMN quarantine_transactions.record IS 'The row as received, as JSON of its raw string fields [PII: direct]';
COMMENT ON COLUMN quarantine_transactions.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN quarantine_transactions.batch_id IS 'Ingestion batch, derived from the content of the raw file';

CREATE TABLE IF NOT EXISTS quarantine_inventory (
    dataset      VARCHAR,
    reason       VARCHAR,
    record       VARCHAR,
    source_file  VARCHAR,
    batch_id     VARCHAR
);
COMMENT ON TABLE quarantine_inventory IS 'Rows of inventory rejected on the way from bronze to silver, each with its reason';
COMMENT ON COLUMN quarantine_inventory.dataset IS 'Raw dataset the row came from';
COMMENT ON COLUMN quarantine_inventory.reason IS 'Why the row was rejected: the first validation rule it failed';
COMMENT ON COLUMN quarantine_inventory.record IS 'The row as received, as JSON of its raw string fields [PII: direct]';
COMMENT ON COLUMN quarantine_inventory.source_file IS 'Raw extract file the row was read from';
COMMENT ON COLUMN quarantine_inventory.batch_id IS 'Ingestion batch, derived from the content of the raw file';
