output "bucket_name" {
  description = "Name of the artifacts bucket."
  value       = module.bucket.name
}

output "bucket_arn" {
  description = "ARN of the artifacts bucket."
  value       = module.bucket.arn
}

output "release_prefix" {
  description = "Key prefix of releases; a version's files live under <release_prefix><version>/."
  value       = var.release_prefix
}

output "releases_uri" {
  description = "s3:// URI under which the releases are uploaded."
  value       = "${module.bucket.uri}/${trimsuffix(var.release_prefix, "/")}"
}
