"""Why an event does not reach silver: every reason of the real-time path, in the order applied.

Each rejected event carries exactly one reason, the first that applies:

1. malformed_json, schema_violation, unknown_event_version: the contract check of the payload
   (jobs.contracts.check), including a value that does not convert to its silver type.
2. event_time_in_future: event_time is later than the Kafka record's timestamp plus the allowed
   clock skew. Such an event would drag the watermark ahead and make every honest event late.
3. late_event: event_time is older than the watermark (see jobs.streaming.progress).
4. duplicate_event: an event with the same event_id is already in silver (within the watermark)
   or earlier in the same micro-batch (earlier = lower Kafka partition, then offset).

Reasons 1 to 3 go to the dead-letter topic and to quarantine: someone has to look at them, and
the dead letter can be replayed once fixed. A duplicate goes to quarantine only: nothing is
missing from silver, the record just shows that a producer sent an event twice.
"""

from jobs.contracts import MALFORMED_JSON, SCHEMA_VIOLATION, UNKNOWN_EVENT_VERSION

EVENT_TIME_IN_FUTURE = "event_time_in_future"
LATE_EVENT = "late_event"
DUPLICATE_EVENT = "duplicate_event"

REASONS = (MALFORMED_JSON, SCHEMA_VIOLATION, UNKNOWN_EVENT_VERSION, EVENT_TIME_IN_FUTURE, LATE_EVENT, DUPLICATE_EVENT)
DEAD_LETTER_REASONS = frozenset(REASONS) - {DUPLICATE_EVENT}
