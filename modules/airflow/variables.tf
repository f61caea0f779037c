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
  description = "KMS key encrypting the DAG bucket (SSE-KMS); null uses S3-managed keys (AES256)."
  type        = string
  default     = null
}

variable "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket; Airflow may read the released wheels below release_prefix."
  type        = string
}

variable "release_prefix" {
  description = "Key prefix of releases in the artifacts bucket."
  type        = string
  default     = "releases/"
}

variable "job_role_arns" {
  description = "Job roles that Airflow tasks may hand to the services running the jobs (iam:PassRole)."
  type        = list(string)
  default     = []
}

variable "require_tls" {
  description = "Refuse plain-HTTP requests with a bucket policy. Turn off only against a local emulator served over http://."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let destroy delete the DAG bucket while it still holds files (true for throw-away environments only)."
  type        = bool
  default     = false
}

variable "enable_mwaa" {
  description = "Create a managed Airflow environment (Amazon MWAA). Real AWS only: it costs money by the hour and no emulator provides it."
  type        = bool
  default     = false
}

variable "mwaa_airflow_version" {
  description = "Airflow version of the MWAA environment, one that MWAA offers in the region; required when enable_mwaa is true."
  type        = string
  default     = null
}

variable "mwaa_environment_class" {
  description = "Size of the MWAA environment."
  type        = string
  default     = "mw1.small"

  validation {
    condition     = contains(["mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge"], var.mwaa_environment_class)
    error_message = "mwaa_environment_class must be one of mw1.micro, mw1.small, mw1.medium, mw1.large, mw1.xlarge, mw1.2xlarge."
  }
}

variable "mwaa_subnet_ids" {
  description = "Two private subnets (in different availability zones) for MWAA; required when enable_mwaa is true."
  type        = list(string)
  default     = []
}

variable "mwaa_security_group_ids" {
  description = "Security groups of the MWAA environment; required when enable_mwaa is true."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary_arn" {
  description = "ARN of the environment's permissions boundary (infra/bootstrap), put on the execution role."
  type        = string
}
