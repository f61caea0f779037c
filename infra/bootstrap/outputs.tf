output "state_bucket" {
  description = "Name of the state bucket, the `bucket` of environments/<env>/backend.hcl."
  value       = module.state_bucket.name
}

output "backend_config" {
  description = "Backend settings matching this bucket, as written in environments/<env>/backend.hcl."
  value = {
    bucket       = module.state_bucket.name
    key          = "platform/terraform.tfstate"
    region       = var.aws_region
    encrypt      = true
    use_lockfile = true
  }
}

output "permissions_boundary_arn" {
  description = "ARN of the permissions boundary every role of the environment carries (modules/iam)."
  value       = aws_iam_policy.boundary.arn
}
