variable "bucket_name" {
  description = "Globally unique name of the bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lower-case letters, digits, dots and hyphens."
  }
}

variable "kms_key_arn" {
  description = "KMS key for server-side encryption (SSE-KMS); null encrypts with S3-managed keys (SSE-S3, AES256)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:...) or null."
  }
}

variable "require_tls" {
  description = "Refuse plain-HTTP requests with a bucket policy. Turn off only against a local emulator served over http://."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Allow destroy to delete a bucket that still holds objects. Keep false where data must survive a mistaken destroy."
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which a replaced (noncurrent) object version is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of days, at least 1."
  }
}

variable "infrequent_access_transitions" {
  description = "Object key prefixes moved to STANDARD_IA after the given number of days (S3 requires at least 30), e.g. { \"\" = 30 } for the whole bucket."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for days in values(var.infrequent_access_transitions) : days >= 30 && floor(days) == days])
    error_message = "Every infrequent_access_transitions value must be a whole number of days, at least 30 (the S3 minimum for STANDARD_IA)."
  }
}

variable "expirations" {
  description = "Object key prefixes whose current objects are deleted after the given number of days, e.g. { \"quarantine/\" = 90 }."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for days in values(var.expirations) : days >= 1 && floor(days) == days])
    error_message = "Every expirations value must be a whole number of days, at least 1."
  }
}

variable "tags" {
  description = "Tags added to the bucket (on top of the provider's default tags)."
  type        = map(string)
  default     = {}
}
