# State of the dev environment, in the bucket that infra/bootstrap creates.
# Locking uses a lock object next to the state (S3 conditional writes): no DynamoDB table.
bucket       = "rtdp-dev-tfstate"
key          = "platform/terraform.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
