"""Why a row goes to quarantine: the one place where every rejection reason is defined.

Each rejected row carries exactly one reason: the first rule it fails, in this order.

1. MALFORMED_ROW: the raw line has the wrong number of fields.
2. MISSING_REQUIRED_FIELD: a field is empty (every column of the raw contract is required).
3. Type rules, in column order: INVALID_NUMBER, INVALID_TIMESTAMP, INVALID_DATE.
4. Value rules, in column order: NEGATIVE_PRICE, NEGATIVE_AMOUNT, NON_POSITIVE_QUANTITY,
   NEGATIVE_QUANTITY, UNKNOWN_CHANNEL, INVALID_EMAIL, INVALID_RELATIONSHIP_TYPE.
5. Reference rules, in column order: UNKNOWN_CUSTOMER, UNKNOWN_ACCOUNT, UNKNOWN_PRODUCT.
6. Duplicates, judged among the rows that passed every rule above, "first" meaning first in
   the raw file: DUPLICATE_ROW (same content as an earlier row), then the key rules
   (same key as an earlier row but other content), e.g. DUPLICATE_TRANSACTION_ID.
7. Account holders: every account needs exactly one Primary holder.
   DUPLICATE_PRIMARY_HOLDER rejects any Primary link after the first on an account;
   MISSING_PRIMARY_HOLDER rejects an account with no Primary link, and its remaining
   (Secondary) links are then rejected as UNKNOWN_ACCOUNT because their account is not in silver.
   No holder is promoted: the pipeline never invents a relationship the source did not state.
"""

MALFORMED_ROW = "malformed_row"
MISSING_REQUIRED_FIELD = "missing_required_field"

INVALID_NUMBER = "invalid_number"
INVALID_TIMESTAMP = "invalid_timestamp"
INVALID_DATE = "invalid_date"

NEGATIVE_PRICE = "negative_price"
NEGATIVE_AMOUNT = "negative_amount"
NON_POSITIVE_QUANTITY = "non_positive_quantity"
# Stock on hand or reorder point below zero.
NEGATIVE_QUANTITY = "negative_quantity"
UNKNOWN_CHANNEL = "unknown_channel"
INVALID_EMAIL = "invalid_email"
INVALID_RELATIONSHIP_TYPE = "invalid_relationship_type"

UNKNOWN_CUSTOMER = "unknown_customer"
UNKNOWN_ACCOUNT = "unknown_account"
UNKNOWN_PRODUCT = "unknown_product"

DUPLICATE_ROW = "duplicate_row"
# Same customer_id and updated_at as an earlier version, other attributes.
DUPLICATE_CUSTOMER_VERSION = "duplicate_customer_version"
DUPLICATE_PRODUCT_ID = "duplicate_product_id"
DUPLICATE_ACCOUNT_ID = "duplicate_account_id"
# Same customer_id and account_id as an earlier link, other relationship type.
DUPLICATE_CUSTOMER_ACCOUNT = "duplicate_customer_account"
DUPLICATE_TRANSACTION_ID = "duplicate_transaction_id"
DUPLICATE_STOCK_ID = "duplicate_stock_id"
# Same product, warehouse and snapshot date as an earlier stock row (the grain of fact_inventory).
DUPLICATE_STOCK_SNAPSHOT = "duplicate_stock_snapshot"

DUPLICATE_PRIMARY_HOLDER = "duplicate_primary_holder"
MISSING_PRIMARY_HOLDER = "missing_primary_holder"
