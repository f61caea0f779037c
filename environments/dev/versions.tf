terraform {
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.34.0"
    }
    kafka = {
      source  = "Mongey/kafka"
      version = "0.13.1"
    }
  }

  # Filled by backend.hcl (and, against the emulator, endpoint flags given at init).
  backend "s3" {}
}
