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

variable "layer_bucket_arns" {
  description = "ARN of each medallion layer's bucket, keyed raw, bronze, silver, gold."
  type        = map(string)

  validation {
    condition     = length(setsubtract(["raw", "bronze", "silver", "gold"], keys(var.layer_bucket_arns))) == 0
    error_message = "layer_bucket_arns must have the keys raw, bronze, silver and gold."
  }
}

variable "location_object_arns" {
  description = "ARN pattern of the objects of each lake location, keyed raw, bronze, silver, gold, quarantine, truth (e.g. arn:aws:s3:::rtdp-dev-raw/quarantine/*)."
  type        = map(string)

  validation {
    condition     = length(setsubtract(["raw", "bronze", "silver", "gold", "quarantine", "truth"], keys(var.location_object_arns))) == 0
    error_message = "location_object_arns must have the keys raw, bronze, silver, gold, quarantine and truth."
  }
}

variable "artifacts_bucket_arn" {
  description = "ARN of the bucket holding the released job wheels, SQL and DAGs."
  type        = string
}

variable "release_prefix" {
  description = "Key prefix of released artefacts in the artifacts bucket; the job roles may read only below it."
  type        = string
  default     = "releases/"
}

variable "event_topics" {
  description = "Kafka topics the producers write and the streaming jobs read."
  type        = list(string)
}

variable "dead_letter_topics" {
  description = "Kafka dead-letter topics the streaming jobs write rejected events to."
  type        = list(string)
}

variable "kafka_cluster_arn" {
  description = "ARN of an Amazon MSK cluster using IAM access control; null when Kafka authorises clients itself (local broker), and no Kafka statements are rendered."
  type        = string
  default     = null

  validation {
    condition     = var.kafka_cluster_arn == null || can(regex("^arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[^/]+/[^/]+$", var.kafka_cluster_arn))
    error_message = "kafka_cluster_arn must be an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>) or null."
  }
}

variable "job_service_principals" {
  description = "AWS services allowed to assume the job roles (where the jobs run, e.g. ECS tasks or EMR Serverless)."
  type        = list(string)
  default     = ["ecs-tasks.amazonaws.com", "emr-serverless.amazonaws.com"]

  validation {
    condition     = alltrue([for principal in var.job_service_principals : endswith(principal, ".amazonaws.com")])
    error_message = "job_service_principals must list AWS service principals ending in .amazonaws.com."
  }
}

variable "job_roles_trust_account" {
  description = "Whether principals of this account (people, a scheduler) may assume the job roles, where they start the jobs themselves (dev's local cluster)."
  type        = bool
  default     = false
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose Actions workflows may assume the deploy role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "pull_requests_may_plan" {
  description = "Whether pull requests of github_repository may assume the plan role (which reads the state): dev yes, prod no."
  type        = bool
  default     = false
}

variable "github_oidc_provider_arn" {
  description = "ARN of an existing IAM OIDC provider for token.actions.githubusercontent.com (one per account); null creates it."
  type        = string
  default     = null
}

variable "region" {
  description = "AWS region of the environment (the provider's region), used in ARNs."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the buckets, which the roles must be able to use; null when buckets use S3-managed keys."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every role."
  type        = map(string)
  default     = {}
}

variable "deploy_may_empty_buckets" {
  description = "Whether the deploy role may delete the objects of the environment's buckets (a destroy of buckets with force_destroy: dev)."
  type        = bool
  default     = false
}
