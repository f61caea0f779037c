terraform {
  required_version = ">= 1.10.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0, < 7.0"
    }
    kafka = {
      source  = "Mongey/kafka"
      version = ">= 0.13.1, < 0.14.0"
    }
  }
}
