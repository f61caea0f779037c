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
  description = "Environment whose state bucket this creates: dev or prod."
  type        = string

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod."
  }
}

variable "aws_region" {
  description = "AWS region of the state bucket."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region name such as us-east-1."
  }
}

variable "aws_endpoint_url" {
  description = "Endpoint of a local AWS emulator, from TF_VAR_aws_endpoint_url; null talks to real AWS. Loopback addresses only."
  type        = string
  default     = null

  validation {
    condition     = var.aws_endpoint_url == null || can(regex("^https?://(127\\.[0-9]+\\.[0-9]+\\.[0-9]+|localhost|\\[::1\\])(:[0-9]+)?/?$", var.aws_endpoint_url))
    error_message = "aws_endpoint_url must be a loopback address (127.x.x.x, localhost or [::1]) or null for real AWS."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting the state (SSE-KMS); null uses S3-managed keys (AES256)."
  type        = string
  default     = null
}

variable "state_version_retention_days" {
  description = "Days an overwritten state version is kept for recovery."
  type        = number
  default     = 90

  validation {
    condition     = var.state_version_retention_days >= 1 && floor(var.state_version_retention_days) == var.state_version_retention_days
    error_message = "state_version_retention_days must be a whole number of days, at least 1."
  }
}

variable "force_destroy" {
  description = "Let destroy delete the state bucket with the states in it (only for throw-away emulator runs)."
  type        = bool
  default     = false
}
