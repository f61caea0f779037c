# One least-privilege role per job family, and the role GitHub Actions deploys with.

data "aws_caller_identity" "current" {}

locals {
  name_prefix = "${var.project}-${var.environment}"

  # What each job family reads and writes, by lake location: job_access.json, which the tests read
  # too. A location is one of var.location_object_arns, `models` (the model registry beside gold)
  # or a folder inside one (`gold/dq_results`). Writing implies reading, listing and deleting:
  # tables are rewritten in place, and Spark's committer renames (copies, then deletes) its files.
  access = jsondecode(file("${path.module}/job_access.json"))
  location_prefixes = merge(
    { for name, objects in var.location_object_arns : name => trimsuffix(objects, "*") },
    { models = "${var.layer_bucket_arns.gold}/models/" },
  )
  releases = "${var.artifacts_bucket_arn}/${var.release_prefix}*"
  topics   = { events = var.event_topics, dead_letters = var.dead_letter_topics }

  job_prefixes = { for family, access in local.access : family => {
    for mode, locations in { reads = distinct(concat(access.reads, access.writes)), writes = access.writes } : mode => [
      for location in locations : join("", concat(
        [local.location_prefixes[split("/", location)[0]]],
        [for folder in slice(split("/", location), 1, length(split("/", location))) : "${folder}/"],
      ))
    ]
  } }

  job_families = { for family, access in local.access : family => {
    description = access.description
    # A role's keys last an hour, unless its job runs for longer (the stream job: 12 hours).
    session_hours = lookup(access, "session_hours", 1)
    list_buckets  = distinct([for prefix in local.job_prefixes[family].reads : split("/", prefix)[0]])
    # A location's own key too: clients ask for `gold` before listing `gold/` (HeadObject).
    read_objects = concat(
      flatten([for prefix in local.job_prefixes[family].reads : [trimsuffix(prefix, "/"), "${prefix}*"]]), [local.releases],
    )
    write_objects = [for prefix in local.job_prefixes[family].writes : "${prefix}*"]
    topics_read   = flatten([for topics in access.topics.read : local.topics[topics]])
    topics_write  = flatten([for topics in access.topics.write : local.topics[topics]])
  } }

  # MSK IAM resources: topic and group ARNs share the cluster ARN's name and uuid.
  msk_enabled   = var.kafka_cluster_arn != null
  msk_topic_arn = local.msk_enabled ? replace(var.kafka_cluster_arn, ":cluster/", ":topic/") : ""
  msk_group_arn = local.msk_enabled ? replace(var.kafka_cluster_arn, ":cluster/", ":group/") : ""
}

data "aws_iam_policy_document" "job_trust" {
  dynamic "statement" {
    for_each = length(var.job_service_principals) > 0 ? [var.job_service_principals] : []
    content {
      actions = ["sts:AssumeRole"]

      principals {
        type        = "Service"
        identifiers = statement.value
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [data.aws_caller_identity.current.account_id]
      }
    }
  }

  # The account's principals whose own policies allow sts:AssumeRole on the role.
  dynamic "statement" {
    for_each = var.job_roles_trust_account ? [local.account_id] : []
    content {
      actions = ["sts:AssumeRole"]

      principals {
        type        = "AWS"
        identifiers = ["${local.account_arn_prefix}:iam::${statement.value}:root"]
      }
    }
  }
}

data "aws_iam_policy_document" "job" {
  for_each = local.job_families

  dynamic "statement" {
    for_each = length(each.value.list_buckets) > 0 ? [each.value.list_buckets] : []
    content {
      sid       = "ListBuckets"
      actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = length(each.value.read_objects) > 0 ? [each.value.read_objects] : []
    content {
      sid       = "ReadObjects"
      actions   = ["s3:GetObject"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = length(each.value.write_objects) > 0 ? [each.value.write_objects] : []
    content {
      sid       = "WriteObjects"
      actions   = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = length(each.value.write_objects) > 0 ? [each.value.write_objects] : []
    content {
      sid       = "DeleteObjects"
      actions   = ["s3:DeleteObject"]
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = local.msk_enabled && length(concat(each.value.topics_read, each.value.topics_write)) > 0 ? [1] : []
    content {
      sid       = "ConnectToKafka"
      actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"]
      resources = [var.kafka_cluster_arn]
    }
  }

  dynamic "statement" {
    for_each = local.msk_enabled && length(each.value.topics_read) > 0 ? [each.value.topics_read] : []
    content {
      sid       = "ReadTopics"
      actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData", "kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"]
      resources = concat([for topic in statement.value : "${local.msk_topic_arn}/${topic}"], ["${local.msk_group_arn}/${local.name_prefix}-*"])
    }
  }

  dynamic "statement" {
    for_each = local.msk_enabled && length(each.value.topics_write) > 0 ? [each.value.topics_write] : []
    content {
      sid       = "WriteTopics"
      actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"]
      resources = [for topic in statement.value : "${local.msk_topic_arn}/${topic}"]
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn != null ? [var.kms_key_arn] : []
    content {
      sid       = "UseBucketKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "job" {
  for_each = local.job_families

  lifecycle {
    precondition {
      condition     = length(var.job_service_principals) > 0 || var.job_roles_trust_account
      error_message = "Nobody could assume the job roles: set job_service_principals or job_roles_trust_account."
    }
  }

  name                 = "${local.name_prefix}-${each.key}"
  description          = each.value.description
  assume_role_policy   = data.aws_iam_policy_document.job_trust.json
  max_session_duration = each.value.session_hours * 3600
  permissions_boundary = local.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "job" {
  for_each = local.job_families

  name   = "${local.name_prefix}-${each.key}-access"
  role   = aws_iam_role.job[each.key].id
  policy = data.aws_iam_policy_document.job[each.key].json
}

# GitHub Actions authenticate with short-lived OIDC tokens: no access keys exist to leak.
resource "aws_iam_openid_connect_provider" "github" {
  count = var.github_oidc_provider_arn == null ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}

locals {
  github_oidc_provider_arn = coalesce(var.github_oidc_provider_arn, one(aws_iam_openid_connect_provider.github[*].arn))
  # The partition (aws, aws-cn, ...) is the second field of every ARN, the caller's too.
  account_arn_prefix = "arn:${split(":", data.aws_caller_identity.current.arn)[1]}"
  account_id         = data.aws_caller_identity.current.account_id
  # Made by infra/bootstrap (an administrator, once), out of the deploy role's reach.
  permissions_boundary_arn = "${local.account_arn_prefix}:iam::${local.account_id}:policy/${local.name_prefix}-boundary"
  environment_roles        = "${local.account_arn_prefix}:iam::${local.account_id}:role/${local.name_prefix}-*"
  environment_buckets      = "${local.account_arn_prefix}:s3:::${local.name_prefix}-*"
  # What reading a bucket's settings takes (a plan refreshes every one of them).
  bucket_settings_read = [
    "s3:GetBucket*", "s3:GetLifecycleConfiguration", "s3:GetEncryptionConfiguration", "s3:GetAccelerateConfiguration",
    "s3:GetReplicationConfiguration", "s3:ListBucket",
  ]
}

locals {
  # Who may assume each GitHub role, as OIDC token subjects. Deploying: only jobs running in
  # this repository's GitHub environment of the same name. Planning (before any approval): main,
  # and pull requests only where var.pull_requests_may_plan: a pull request runs code nobody has
  # reviewed yet, and a plan role reads the environment's state (values in clear text).
  pull_request_subject = "repo:${var.github_repository}:pull_request"
  github_role_subjects = {
    deploy = ["repo:${var.github_repository}:environment:${var.environment}"]
    plan   = concat(["repo:${var.github_repository}:ref:refs/heads/main"], var.pull_requests_may_plan ? [local.pull_request_subject] : [])
  }
}

data "aws_iam_policy_document" "github_trust" {
  for_each = local.github_role_subjects

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = each.value
    }
  }
}

# Deploying means applying this configuration and releasing into it: the role may manage this
# environment's buckets (their settings, never the lake's data), roles (only inside the permissions
# boundary) and Airflow environment, and write the state, the releases and the DAGs.
data "aws_iam_policy_document" "deploy" {
  statement {
    sid = "ManageEnvironmentBuckets"
    actions = concat(local.bucket_settings_read, [
      "s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration", "s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls",
      "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketTagging",
    ])
    resources = [local.environment_buckets]
  }

  statement {
    sid     = "WriteStateReleasesAndDags"
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [
      "${local.account_arn_prefix}:s3:::${local.name_prefix}-tfstate/*", "${var.artifacts_bucket_arn}/*",
      "${local.account_arn_prefix}:s3:::${local.name_prefix}-airflow/*",
    ]
  }

  # Destroying an environment whose buckets may be destroyed non-empty (dev) empties them first.
  dynamic "statement" {
    for_each = var.deploy_may_empty_buckets ? [1] : []
    content {
      sid       = "EmptyBucketsOnDestroy"
      actions   = ["s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion"]
      resources = [local.environment_buckets, "${local.environment_buckets}/*"]
    }
  }

  statement {
    sid = "ManageEnvironmentRoles"
    actions = [
      "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
      "iam:TagRole", "iam:UntagRole", "iam:ListRoleTags", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole", "iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:PassRole",
    ]
    resources = [local.environment_roles]
  }

  # Every role it makes carries the boundary, which no role may take off or change (infra/bootstrap):
  # changing a role's policy, even its own, never reaches beyond it.
  statement {
    sid       = "CreateEnvironmentRolesInsideTheBoundary"
    actions   = ["iam:CreateRole", "iam:PutRolePermissionsBoundary"]
    resources = [local.environment_roles]

    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.permissions_boundary_arn]
    }
  }

  statement {
    sid       = "ReadGithubIdentityProvider"
    actions   = ["iam:GetOpenIDConnectProvider"]
    resources = [local.github_oidc_provider_arn]
  }

  statement {
    sid       = "ManageEnvironmentAirflow"
    actions   = ["airflow:*"]
    resources = ["${local.account_arn_prefix}:airflow:${var.region}:${local.account_id}:environment/${local.name_prefix}-*"]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn != null ? [var.kms_key_arn] : []
    content {
      sid       = "UseBucketKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "${local.name_prefix}-github-deploy"
  description          = "Assumed by GitHub Actions in the ${var.environment} environment of ${var.github_repository} to deploy."
  assume_role_policy   = data.aws_iam_policy_document.github_trust["deploy"].json
  max_session_duration = 3600
  permissions_boundary = local.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "deploy" {
  name   = "${local.name_prefix}-github-deploy-access"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}

# Plans run before anyone approved anything (pull requests, the first step of a promotion), so
# they get a role that can read the environment and take the state lock, and change nothing else.
data "aws_iam_policy_document" "plan" {
  # Bucket settings, never the lake's objects: a plan has no business reading data.
  statement {
    sid       = "ReadEnvironmentBucketSettings"
    actions   = local.bucket_settings_read
    resources = [local.environment_buckets]
  }

  # The state, and the released wheels that a promotion fetches from dev.
  statement {
    sid     = "ReadStateAndReleases"
    actions = ["s3:GetObject"]
    resources = [
      "${local.account_arn_prefix}:s3:::${local.name_prefix}-tfstate/*",
      "${local.account_arn_prefix}:s3:::${local.name_prefix}-artifacts/*",
    ]
  }

  statement {
    sid       = "TakeTheStateLock"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.account_arn_prefix}:s3:::${local.name_prefix}-tfstate/*.tflock"]
  }

  statement {
    sid       = "ReadEnvironmentRoles"
    actions   = ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListRoleTags"]
    resources = ["${local.account_arn_prefix}:iam::${local.account_id}:role/${local.name_prefix}-*"]
  }

  statement {
    sid       = "ReadGithubIdentityProvider"
    actions   = ["iam:GetOpenIDConnectProvider"]
    resources = [local.github_oidc_provider_arn]
  }

  statement {
    sid       = "ReadEnvironmentAirflow"
    actions   = ["airflow:GetEnvironment"]
    resources = ["${local.account_arn_prefix}:airflow:${var.region}:${local.account_id}:environment/${local.name_prefix}-*"]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn != null ? [var.kms_key_arn] : []
    content {
      sid       = "ReadWithBucketKey"
      actions   = ["kms:Decrypt", "kms:DescribeKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "plan" {
  name                 = "${local.name_prefix}-github-plan"
  description          = "Assumed by GitHub Actions of ${var.github_repository} to plan ${var.environment} (pull requests, main)."
  assume_role_policy   = data.aws_iam_policy_document.github_trust["plan"].json
  max_session_duration = 3600
  permissions_boundary = local.permissions_boundary_arn
  tags                 = var.tags
}

resource "aws_iam_role_policy" "plan" {
  name   = "${local.name_prefix}-github-plan-access"
  role   = aws_iam_role.plan.id
  policy = data.aws_iam_policy_document.plan.json
}
