variable "project" {
  description = "Short project prefix of every resource name."
  type        = string
  default     = "rtdp"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.project))
    error_message = "project must be 2-16 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name: dev or prod."
  type        = string

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod."
  }
}

variable "region" {
  description = "AWS region of the environment (the provider's region), used in ARNs."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting every bucket (SSE-KMS); null uses S3-managed keys (AES256)."
  type        = string
  default     = null
}

variable "require_tls" {
  description = "Refuse plain-HTTP requests with a bucket policy. Turn off only against a local emulator served over http://."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let destroy delete buckets that still hold data (true for throw-away environments only; prod keeps false)."
  type        = bool
  default     = false
}

variable "raw_infrequent_access_days" {
  description = "Days after which raw files move to STANDARD_IA."
  type        = number
  default     = 30
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which replaced object versions in the lake buckets are deleted."
  type        = number
  default     = 30
}

variable "quarantine_retention_days" {
  description = "Days a quarantined record is kept."
  type        = number
  default     = 90
}

variable "kafka_topic_prefix" {
  description = "Prefix of every topic name on a broker shared by several environments (e.g. \"dev.\"); empty for none."
  type        = string
  default     = ""
}

variable "kafka_partitions" {
  description = "Partitions of each event topic."
  type        = number
}

variable "kafka_replication_factor" {
  description = "Copies of each topic partition (at most the number of brokers)."
  type        = number
}

variable "kafka_min_insync_replicas" {
  description = "Replicas that must confirm an acks=all write."
  type        = number
  default     = 1
}

variable "kafka_retention_hours" {
  description = "Hours events stay on the event topics."
  type        = number
}

variable "kafka_dlq_retention_hours" {
  description = "Hours dead-lettered events are kept."
  type        = number
}

variable "kafka_cleanup_policy" {
  description = "cleanup.policy of the event topics: delete, compact or compact,delete."
  type        = string
  default     = "delete"
}

variable "kafka_cluster_arn" {
  description = "ARN of an MSK cluster with IAM access control, scoping the roles' topic rights; null for a broker that authorises clients itself."
  type        = string
  default     = null
}

variable "job_service_principals" {
  description = "AWS services allowed to assume the job roles."
  type        = list(string)
  default     = ["ecs-tasks.amazonaws.com", "emr-serverless.amazonaws.com"]
}

variable "job_roles_trust_account" {
  description = "Whether principals of this account may assume the job roles (they start the jobs themselves)."
  type        = bool
  default     = false
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose Actions may assume the deploy role."
  type        = string
}

variable "pull_requests_may_plan" {
  description = "Whether pull requests may assume the read-only plan role (it reads the state): dev yes, prod no."
  type        = bool
  default     = false
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's existing GitHub OIDC provider; null creates it."
  type        = string
  default     = null
}

variable "enable_mwaa" {
  description = "Create a managed Airflow environment (MWAA); real AWS only."
  type        = bool
  default     = false
}

variable "mwaa_airflow_version" {
  description = "Airflow version of the MWAA environment; required when enable_mwaa is true."
  type        = string
  default     = null
}

variable "mwaa_environment_class" {
  description = "Size of the MWAA environment."
  type        = string
  default     = "mw1.small"
}

variable "mwaa_subnet_ids" {
  description = "Two private subnets for MWAA; required when enable_mwaa is true."
  type        = list(string)
  default     = []
}

variable "mwaa_security_group_ids" {
  description = "Security groups of the MWAA environment; required when enable_mwaa is true."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
}
