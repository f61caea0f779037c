# Sizes of dev: small, cheap, and safe to throw away. Endpoints and credentials come from the
# environment (TF_VAR_aws_endpoint_url, AWS_* variables), never from this file.
environment = "dev"

deletion_protection                = false
raw_infrequent_access_days         = 30
noncurrent_version_expiration_days = 7
quarantine_retention_days          = 30

kafka_partitions          = 3
kafka_replication_factor  = 1
kafka_min_insync_replicas = 1
kafka_retention_hours     = 72
kafka_dlq_retention_hours = 168

enable_mwaa = false

# Pull requests plan dev before review; prod is planned from main only (its state stays away from
# code nobody has reviewed yet).
pull_requests_may_plan = true
