# The bucket that receives each released version of the jobs: wheel, SQL and DAG files.

locals {
  name_prefix = "${var.project}-${var.environment}"
}

module "bucket" {
  source = "../s3_bucket"

  bucket_name                        = "${local.name_prefix}-artifacts"
  kms_key_arn                        = var.kms_key_arn
  force_destroy                      = var.force_destroy
  require_tls                        = var.require_tls
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  tags                               = var.tags
}
