"""Why a row or an event does not reach silver: every rejection reason of the batch and the
real-time path, each described once. Quarantine rows and dead letters carry the code.

Each rejected row or event carries exactly one reason: the first that applies.

Batch (raw CSV -> silver, jobs.refine.silver_rules), in this order:

1. The line: MALFORMED_ROW, then MISSING_REQUIRED_FIELD (every raw column is required).
2. Types, in column order: INVALID_NUMBER, INVALID_TIMESTAMP, INVALID_DATE.
3. Values, in column order: NEGATIVE_PRICE, NEGATIVE_AMOUNT, NON_POSITIVE_QUANTITY,
   NEGATIVE_QUANTITY, UNKNOWN_CHANNEL, INVALID_EMAIL, INVALID_RELATIONSHIP_TYPE.
4. References, in column order: UNKNOWN_CUSTOMER, UNKNOWN_ACCOUNT, UNKNOWN_PRODUCT.
5. Duplicates, among the rows that passed everything above, "first" meaning first delivered
   (earliest extract, then first in its file; for products and accounts, type 1, the latest
   extract comes first): DUPLICATE_ROW (same content as an earlier row), then the key rules
   (same key as an earlier row, other content), e.g. DUPLICATE_TRANSACTION_ID.
6. Account holders: every account needs exactly one Primary holder. DUPLICATE_PRIMARY_HOLDER
   rejects any Primary link after the first on an account; MISSING_PRIMARY_HOLDER rejects an
   account with no Primary link, and its remaining (Secondary) links are then rejected as
   UNKNOWN_ACCOUNT because their account is not in silver. No holder is promoted: the pipeline
   never invents a relationship the source did not state.

Stream (Kafka -> silver, jobs.model.contracts.check, jobs.stream.classify and jobs.stream.key_rules),
in this order:

1. The contract check of the payload: MALFORMED_JSON, SCHEMA_VIOLATION, UNKNOWN_EVENT_VERSION
   (a value that does not convert to its silver type is a schema violation).
2. EVENT_TIME_IN_FUTURE, then LATE_EVENT (against the watermark, jobs.stream.progress).
3. DUPLICATE_EVENT.
4. The batch's references (jobs.model.references): UNKNOWN_ACCOUNT, UNKNOWN_PRODUCT, against
   the batch's silver accounts and products as they are when the micro-batch runs. A fact that
   arrives before its dimension row is rejected like any unknown reference; its dead letter is
   replayed once the batch has loaded the row.
5. The batch's business key: DUPLICATE_TRANSACTION_ID, a transaction_id already in the batch's
   silver, in the stream's silver since the watermark, or earlier in the micro-batch.

The reasons of both paths are those of the batch, so batch and stream agree on what a fact
must be. The stream's reasons other than the duplicates also go to the dead-letter topic:
someone has to look at them, and a dead letter can be replayed once fixed. A duplicate goes to
quarantine only: the first record stays in silver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Path = Literal["batch", "stream", "both"]  # both: one rule, the same reason on either path


@dataclass(frozen=True)
class Reason:
    code: str
    path: Path
    meaning: str
    dead_letter: bool = False


CATALOGUE: dict[str, Reason] = {}


def _reason(code: str, path: Path, meaning: str, *, dead_letter: bool = False) -> str:
    if code in CATALOGUE:
        raise ValueError(f"rejection reason {code} is defined twice")
    CATALOGUE[code] = Reason(code, path, meaning, dead_letter)
    return code


# Batch: the line
MALFORMED_ROW = _reason("malformed_row", "batch", "the raw line has the wrong number of fields")
MISSING_REQUIRED_FIELD = _reason("missing_required_field", "batch", "a field is empty")
# Batch: types
INVALID_NUMBER = _reason("invalid_number", "batch", "a numeric field does not parse as a number")
INVALID_TIMESTAMP = _reason("invalid_timestamp", "batch", "a timestamp field does not parse")
INVALID_DATE = _reason("invalid_date", "batch", "a date field does not parse")
# Batch: values
NEGATIVE_PRICE = _reason("negative_price", "batch", "a product's price or cost is below zero")
NEGATIVE_AMOUNT = _reason("negative_amount", "batch", "a transaction's amount is below zero")
NON_POSITIVE_QUANTITY = _reason("non_positive_quantity", "batch", "a transaction's quantity is zero or less")
NEGATIVE_QUANTITY = _reason("negative_quantity", "batch", "stock on hand or reorder point below zero")
UNKNOWN_CHANNEL = _reason("unknown_channel", "batch", "the channel is not one of jobs.model.values.CHANNELS")
INVALID_EMAIL = _reason("invalid_email", "batch", "the email address is not name@domain.tld")
INVALID_RELATIONSHIP_TYPE = _reason("invalid_relationship_type", "batch",
                                    "the holder's role is not one of jobs.model.values.RELATIONSHIP_TYPES")
# Batch: references (accounts and products: the stream's too)
UNKNOWN_CUSTOMER = _reason("unknown_customer", "batch", "the customer_id is not in silver customers")
UNKNOWN_ACCOUNT = _reason("unknown_account", "both", "the account_id is not in silver accounts", dead_letter=True)
UNKNOWN_PRODUCT = _reason("unknown_product", "both", "the product_id is not in silver products", dead_letter=True)
# Batch: duplicates
DUPLICATE_ROW = _reason("duplicate_row", "batch", "same content as an earlier row")
DUPLICATE_CUSTOMER_VERSION = _reason("duplicate_customer_version", "batch",
                                     "same customer_id and updated_at as an earlier version, other attributes")
DUPLICATE_PRODUCT_ID = _reason("duplicate_product_id", "batch",
                               "same product_id as an earlier row of its extract or as a row of a later extract "
                               "(the latest extract wins), other content")
DUPLICATE_ACCOUNT_ID = _reason("duplicate_account_id", "batch",
                               "same account_id as an earlier row of its extract or as a row of a later extract "
                               "(the latest extract wins), other content")
DUPLICATE_CUSTOMER_ACCOUNT = _reason("duplicate_customer_account", "batch",
                                     "same customer_id and account_id as an earlier link, other relationship type")
DUPLICATE_TRANSACTION_ID = _reason("duplicate_transaction_id", "both",
                                   "same transaction_id as an earlier row, other content; in the stream, as a "
                                   "transaction already in silver or earlier in the micro-batch, under another event_id")
DUPLICATE_STOCK_ID = _reason("duplicate_stock_id", "batch", "same stock_id as an earlier row, other content")
DUPLICATE_STOCK_SNAPSHOT = _reason("duplicate_stock_snapshot", "batch",
                                   "same product, warehouse and snapshot date as an earlier stock row "
                                   "(the grain of fact_inventory)")
# Batch: account holders
DUPLICATE_PRIMARY_HOLDER = _reason("duplicate_primary_holder", "batch", "a second Primary holder on one account")
MISSING_PRIMARY_HOLDER = _reason("missing_primary_holder", "batch", "an account without a Primary holder")

# Stream
MALFORMED_JSON = _reason("malformed_json", "stream", "not UTF-8, not JSON (NaN and Infinity included), or empty",
                         dead_letter=True)
SCHEMA_VIOLATION = _reason("schema_violation", "stream",
                           "the payload breaks its contract's schema, or has no integer event_version",
                           dead_letter=True)
UNKNOWN_EVENT_VERSION = _reason("unknown_event_version", "stream",
                                "event_version is an integer this code has no schema for", dead_letter=True)
EVENT_TIME_IN_FUTURE = _reason("event_time_in_future", "stream",
                               "event_time is later than the Kafka record's timestamp plus the allowed clock skew "
                               "(it would drag the watermark ahead and make every honest event late)",
                               dead_letter=True)
LATE_EVENT = _reason("late_event", "stream", "event_time is older than the watermark", dead_letter=True)
DUPLICATE_EVENT = _reason("duplicate_event", "stream",
                          "an event with the same event_id is already in silver (within the watermark) or earlier "
                          "in the same micro-batch (lower Kafka partition, then offset)")

DEAD_LETTER_REASONS = frozenset(code for code, reason in CATALOGUE.items() if reason.dead_letter)
