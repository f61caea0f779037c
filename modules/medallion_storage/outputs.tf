output "bucket_names" {
  description = "Bucket name of each layer: raw, bronze, silver, gold."
  value       = { for layer, bucket in module.layer : layer => bucket.name }
}

output "bucket_arns" {
  description = "Bucket ARN of each layer, for IAM policies (s3:ListBucket)."
  value       = { for layer, bucket in module.layer : layer => bucket.arn }
}

output "location_uris" {
  description = "s3:// URI of each location (raw, bronze, silver, gold, quarantine, truth), exactly as the storage section of settings.toml names them."
  value       = { for name, location in local.locations : name => "${module.layer[location.bucket].uri}/${trimsuffix(location.prefix, "/")}" }
}

output "location_object_arns" {
  description = "ARN pattern of the objects of each location (e.g. arn:aws:s3:::rtdp-dev-raw/quarantine/*), for IAM policies."
  value       = { for name, location in local.locations : name => "${module.layer[location.bucket].arn}/${location.prefix}*" }
}
