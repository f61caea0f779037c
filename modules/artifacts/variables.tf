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
  description = "KMS key encrypting the artefacts (SSE-KMS); null uses S3-managed keys (AES256)."
  type        = string
  default     = null
}

variable "release_prefix" {
  description = "Key prefix under which each release's wheel, SQL and DAGs are stored as <prefix><version>/."
  type        = string
  default     = "releases/"

  validation {
    condition     = can(regex("^[a-z0-9_-]+/$", var.release_prefix))
    error_message = "release_prefix must be one lower-case path segment ending with a slash, e.g. releases/."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which an overwritten artefact version is deleted (a release is never overwritten on purpose)."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of days, at least 1."
  }
}

variable "require_tls" {
  description = "Refuse plain-HTTP requests with a bucket policy. Turn off only against a local emulator served over http://."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Let destroy delete the bucket while it still holds releases (true for throw-away environments only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to the bucket."
  type        = map(string)
  default     = {}
}
