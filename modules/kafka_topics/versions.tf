terraform {
  required_version = ">= 1.10.0"

  required_providers {
    kafka = {
      source  = "Mongey/kafka"
      version = ">= 0.13.1, < 0.14.0"
    }
  }
}
