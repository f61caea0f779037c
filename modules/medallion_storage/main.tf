# The medallion lake: one bucket per layer (raw, bronze, silver, gold). Inside each bucket the
# layer's data lives under a prefix named after the layer; the raw bucket also holds the
# quarantine of rejected records and the generator's ground truth, as settings.toml expects.

locals {
  name_prefix = "${var.project}-${var.environment}"

  layers = {
    raw = {
      # Raw files are replayed rarely once ingested.
      infrequent_access = { "" = var.raw_infrequent_access_days }
      expirations       = { "quarantine/" = var.quarantine_retention_days }
    }
    bronze = { infrequent_access = {}, expirations = {} }
    silver = { infrequent_access = {}, expirations = {} }
    gold   = { infrequent_access = {}, expirations = {} }
  }

  # Every location the platform's settings name: bucket (layer) and key prefix.
  locations = {
    raw        = { bucket = "raw", prefix = "raw/" }
    bronze     = { bucket = "bronze", prefix = "bronze/" }
    silver     = { bucket = "silver", prefix = "silver/" }
    gold       = { bucket = "gold", prefix = "gold/" }
    quarantine = { bucket = "raw", prefix = "quarantine/" }
    truth      = { bucket = "raw", prefix = "truth/" }
  }
}

module "layer" {
  source   = "../s3_bucket"
  for_each = local.layers

  bucket_name                        = "${local.name_prefix}-${each.key}"
  kms_key_arn                        = var.kms_key_arn
  force_destroy                      = var.force_destroy
  require_tls                        = var.require_tls
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  infrequent_access_transitions      = each.value.infrequent_access
  expirations                        = each.value.expirations
  tags                               = var.tags
}
