# This file is maintained automatically by "tofu init".
# Manual edits may be lost in future updates.

provider "registry.opentofu.org/hashicorp/aws" {
  version     = "6.34.0"
  constraints = ">= 6.0.0, 6.34.0, < 7.0.0"
  hashes = [
    "h1:g4zhhZZILtlzJdPKRyW4QcmUj52qOSmRnYdmoi5ym9w=",
  ]
}
