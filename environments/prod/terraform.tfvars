# Sizes of prod: replicated topics, longer retention, and buckets that destroy will not empty.
# Endpoints and credentials come from the environment, never from this file.
environment = "prod"

deletion_protection                = true
raw_infrequent_access_days         = 30
noncurrent_version_expiration_days = 30
quarantine_retention_days          = 90

kafka_partitions          = 6
kafka_replication_factor  = 3
kafka_min_insync_replicas = 2
kafka_retention_hours     = 168
kafka_dlq_retention_hours = 336

enable_mwaa = false
