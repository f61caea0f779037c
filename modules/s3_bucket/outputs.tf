output "name" {
  description = "Name of the bucket."
  value       = aws_s3_bucket.this.id
}

output "arn" {
  description = "ARN of the bucket, for IAM policies."
  value       = aws_s3_bucket.this.arn
}

output "uri" {
  description = "s3:// URI of the bucket, as the platform's settings name it."
  value       = "s3://${aws_s3_bucket.this.id}"
}
