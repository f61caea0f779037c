# The remote state backend of one environment: a versioned, encrypted, private bucket.
# Locking needs no table: OpenTofu's S3 backend writes a lock object (use_lockfile = true).

locals {
  emulated = var.aws_endpoint_url != null
}

provider "aws" {
  region = var.aws_region

  s3_use_path_style           = local.emulated
  skip_credentials_validation = local.emulated
  skip_metadata_api_check     = local.emulated
  skip_region_validation      = local.emulated
  # Without an account id the provider tags buckets through the S3 API, which emulators serve,
  # instead of the S3 Control API.
  skip_requesting_account_id = local.emulated

  endpoints {
    s3  = var.aws_endpoint_url
    sts = var.aws_endpoint_url
  }

  # moto drops the tags that the provider (6.23 and later) sends with CreateBucket, so a plan
  # against it would never settle: on the emulator, tags are left unmanaged.
  dynamic "ignore_tags" {
    for_each = local.emulated ? [""] : []
    content {
      key_prefixes = [ignore_tags.value]
    }
  }

  default_tags {
    tags = {
      project     = var.project
      environment = var.environment
      managed_by  = "opentofu"
    }
  }
}

module "state_bucket" {
  source = "../../modules/s3_bucket"

  bucket_name                        = "${var.project}-${var.environment}-tfstate"
  kms_key_arn                        = var.kms_key_arn
  force_destroy                      = var.force_destroy
  require_tls                        = !local.emulated
  noncurrent_version_expiration_days = var.state_version_retention_days
}
