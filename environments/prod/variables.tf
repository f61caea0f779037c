variable "project" {
  description = "Short project prefix of every resource name."
  type        = string
  default     = "rtdp"
}

variable "environment" {
  description = "Environment this root deploys; fixed by the folder, checked so a copied tfvars cannot target the wrong one."
  type        = string

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod."
  }
}

variable "aws_region" {
  description = "AWS region of every resource."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region name such as us-east-1."
  }
}

variable "aws_endpoint_url" {
  description = "Endpoint of a local AWS emulator (e.g. http://127.0.0.1:4566), from TF_VAR_aws_endpoint_url; null talks to real AWS. Only loopback addresses are accepted, so a local run can never reach another host."
  type        = string
  default     = null

  validation {
    condition     = var.aws_endpoint_url == null || can(regex("^https?://(127\\.[0-9]+\\.[0-9]+\\.[0-9]+|localhost|\\[::1\\])(:[0-9]+)?/?$", var.aws_endpoint_url))
    error_message = "aws_endpoint_url must be a loopback address (127.x.x.x, localhost or [::1]) or null for real AWS."
  }
}

variable "allowed_account_ids" {
  description = "AWS accounts this environment may be applied to (real AWS); empty allows any, which the emulator needs."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for account in var.allowed_account_ids : can(regex("^[0-9]{12}$", account))])
    error_message = "allowed_account_ids must hold 12-digit AWS account ids."
  }
}

variable "kafka_bootstrap_servers" {
  description = "Kafka brokers as host:port,host:port (the settings' kafka.bootstrap_servers), from TF_VAR_kafka_bootstrap_servers."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9.\\[\\]:-]+:[0-9]+(,[A-Za-z0-9.\\[\\]:-]+:[0-9]+)*$", var.kafka_bootstrap_servers))
    error_message = "kafka_bootstrap_servers must be host:port pairs separated by commas."
  }
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose Actions may deploy this environment; CI passes github.repository."
  type        = string
}

variable "pull_requests_may_plan" {
  description = "Whether pull requests may assume this environment's plan role, which reads its state (set true for dev only)."
  type        = bool
  default     = false
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's existing GitHub OIDC provider; null creates it (only one may exist per account)."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "KMS key encrypting every bucket; null uses S3-managed keys (AES256)."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Keep buckets that still hold data from being deleted by destroy."
  type        = bool
}

variable "raw_infrequent_access_days" {
  description = "Days after which raw files move to STANDARD_IA."
  type        = number
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which replaced object versions are deleted."
  type        = number
}

variable "quarantine_retention_days" {
  description = "Days a quarantined record is kept."
  type        = number
}

variable "kafka_topic_prefix" {
  description = "Prefix of every topic name on a broker shared by several environments; empty for none."
  type        = string
  default     = ""
}

variable "kafka_partitions" {
  description = "Partitions of each event topic."
  type        = number
}

variable "kafka_replication_factor" {
  description = "Copies of each topic partition."
  type        = number
}

variable "kafka_min_insync_replicas" {
  description = "Replicas that must confirm an acks=all write."
  type        = number
}

variable "kafka_retention_hours" {
  description = "Hours events stay on the event topics."
  type        = number
}

variable "kafka_dlq_retention_hours" {
  description = "Hours dead-lettered events are kept."
  type        = number
}

variable "kafka_cluster_arn" {
  description = "ARN of an MSK cluster with IAM access control; null for a broker that authorises clients itself."
  type        = string
  default     = null
}

variable "enable_mwaa" {
  description = "Create a managed Airflow environment (MWAA); refused against an emulator."
  type        = bool
  default     = false

  validation {
    condition     = !(var.enable_mwaa && var.aws_endpoint_url != null)
    error_message = "enable_mwaa is true but aws_endpoint_url points at an emulator: MWAA exists only on real AWS."
  }
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
  description = "Two private subnets for MWAA."
  type        = list(string)
  default     = []
}

variable "mwaa_security_group_ids" {
  description = "Security groups of the MWAA environment."
  type        = list(string)
  default     = []
}
