terraform {
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.34.0"
    }
  }

  # The state bucket cannot hold its own creation: this small state stays local, at the path
  # given by `tofu init -backend-config=path=...` (one file per environment, never committed).
  backend "local" {}
}
