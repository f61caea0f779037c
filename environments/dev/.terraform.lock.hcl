# This file is maintained automatically by "tofu init".
# Manual edits may be lost in future updates.

provider "registry.opentofu.org/hashicorp/aws" {
  version     = "6.34.0"
  constraints = ">= 6.0.0, 6.34.0, < 7.0.0"
  hashes = [
    "h1:g4zhhZZILtlzJdPKRyW4QcmUj52qOSmRnYdmoi5ym9w=",
  ]
}

provider "registry.opentofu.org/mongey/kafka" {
  version     = "0.13.1"
  constraints = ">= 0.13.1, 0.13.1, < 0.14.0"
  hashes = [
    "h1:djJbiZBEkbcmD0cU+w4DH2QKYHSSby5xkSuVWVScV2s=",
  ]
}
