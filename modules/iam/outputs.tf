output "job_role_arns" {
  description = "ARN of each job family's role (the families of job_access.json)."
  value       = { for family, role in aws_iam_role.job : family => role.arn }
}

output "job_role_names" {
  description = "Name of each job family's role."
  value       = { for family, role in aws_iam_role.job : family => role.name }
}

output "job_policy_documents" {
  description = "Rendered JSON access policy of each job family, for review and policy tests."
  value       = { for family, document in data.aws_iam_policy_document.job : family => document.json }
}

output "deploy_role_arn" {
  description = "ARN of the role GitHub Actions assumes (aws-actions/configure-aws-credentials role-to-assume)."
  value       = aws_iam_role.deploy.arn
}

output "plan_role_arn" {
  description = "ARN of the read-only role GitHub Actions assumes to plan (pull requests and main)."
  value       = aws_iam_role.plan.arn
}

output "plan_policy_document" {
  description = "Rendered JSON access policy of the plan role, for review and policy tests."
  value       = data.aws_iam_policy_document.plan.json
}

output "github_oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC identity provider the deploy role trusts."
  value       = local.github_oidc_provider_arn
}

output "permissions_boundary_arn" {
  description = "ARN of the permissions boundary (made by infra/bootstrap) every role of the environment carries."
  value       = local.permissions_boundary_arn
}

output "deploy_policy_document" {
  description = "Rendered JSON access policy of the deploy role, for review and policy tests."
  value       = data.aws_iam_policy_document.deploy.json
}
