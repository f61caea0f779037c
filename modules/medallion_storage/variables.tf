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

variable "kms_key_arn" {
  description = "KMS key encrypting the layers (SSE-KMS); null uses S3-managed keys (AES256)."
  type        = string
  default     = null
}

variable "raw_infrequent_access_days" {
  description = "Days after which raw files move to STANDARD_IA (they are replayed rarely once ingested)."
  type        = number
  default     = 30

  validation {
    condition     = var.raw_infrequent_access_days >= 30 && floor(var.raw_infrequent_access_days) == var.raw_infrequent_access_days
    error_message = "raw_infrequent_access_days must be a whole number of days, at least 30 (the S3 minimum for STANDARD_IA)."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which replaced object versions of every layer are deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of days, at least 1."
  }
}

variable "quarantine_retention_days" {
  description = "Days a quarantined record (under quarantine/ in the raw bucket) is kept before it is deleted."
  type        = number
  default     = 90

  validation {
    condition     = var.quarantine_retention_days >= 1 && floor(var.quarantine_retention_days) == var.quarantine_retention_days
    error_message = "quarantine_retention_days must be a whole number of days, at least 1."
  }
}

variable "require_tls" {
  description = "Refuse plain-HTTP requests with a bucket policy. Turn off only against a local emulator served over http://."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let destroy delete buckets that still hold data (true for throw-away environments only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every bucket."
  type        = map(string)
  default     = {}
}
