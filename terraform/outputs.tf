output "task_definition_arn" {
  description = "Full ARN of the task definition (with revision): pass it to ecs/run-migration --task-definition"
  value       = aws_ecs_task_definition.this.arn
}

output "task_definition_family" {
  description = "Family of the task definition"
  value       = aws_ecs_task_definition.this.family
}

output "task_definition_revision" {
  description = "Revision of the task definition"
  value       = aws_ecs_task_definition.this.revision
}

output "container_name" {
  description = "Name of the container in the task definition (ecs/run-migration --container)"
  value       = local.container_name
}

output "ecr_repository_url" {
  description = "URL of the created ECR repository (null when create_ecr_repository is false)"
  value       = try(aws_ecr_repository.this[0].repository_url, null)
}

output "ecr_repository_name" {
  description = "Name of the created ECR repository (null when create_ecr_repository is false)"
  value       = try(aws_ecr_repository.this[0].name, null)
}

output "ecr_repository_arn" {
  description = "ARN of the created ECR repository (null when create_ecr_repository is false)"
  value       = try(aws_ecr_repository.this[0].arn, null)
}

output "image_repository_arn" {
  description = "ARN of the ECR repository `image` names (null when `image` is not an ECR image)"
  value       = local.image_ecr_repository_arn
}

output "ecr_pull_repository_arns" {
  description = "ARNs of the ECR repositories the execution role may pull from (EcrPull): the created one, the one `image` names, `ecr_repository_arn`"
  value       = local.ecr_pull_repository_arns
}

output "execution_role_arn" {
  description = "ARN of the ECS execution role"
  value       = aws_iam_role.execution.arn
}

output "task_role_arn" {
  description = "ARN of the task role Ferry runs as"
  value       = aws_iam_role.task.arn
}

output "log_group_name" {
  description = "Name of the CloudWatch log group of the task"
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the CloudWatch log group of the task"
  value       = aws_cloudwatch_log_group.this.arn
}

output "security_group_id" {
  description = "ID of the task's security group (ecs/run-migration --security-groups)"
  value       = aws_security_group.this.id
}
