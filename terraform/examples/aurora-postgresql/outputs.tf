output "migration_id" {
  description = "ID of the migration trigger (changes each time the migration runs)"
  value       = try(terraform_data.migration[0].id, null)
}

output "migration_input" {
  description = "Image digest, db/ hash and task definition of the last migration run"
  value       = try(terraform_data.migration[0].output, null)
}

output "db_hash" {
  description = "Hash of every file under db/"
  value       = local.db_hash
}

output "ecs_cluster_name" {
  description = "Name of the ECS cluster the migration task runs in"
  value       = aws_ecs_cluster.this.name
}

output "task_definition_arn" {
  description = "ARN of Ferry's task definition"
  value       = module.ferry.task_definition_arn
}

output "security_group_id" {
  description = "ID of the task's security group"
  value       = module.ferry.security_group_id
}

output "subnet_ids" {
  description = "Subnets the task runs in"
  value       = local.subnet_ids
}

output "ecr_repository_url" {
  description = "URL of the ECR repository to push Ferry's image to"
  value       = module.ferry.ecr_repository_url
}

output "cluster_endpoint" {
  description = "Writer endpoint of the Aurora cluster"
  value       = aws_rds_cluster.this.endpoint
}

output "db_secret_arn" {
  description = "ARN of the RDS-managed master user secret"
  value       = aws_rds_cluster.this.master_user_secret[0].secret_arn
}

output "api_db_secret_arn" {
  description = "ARN of the API user's secret"
  value       = aws_secretsmanager_secret.api_db.arn
}

output "run_migration_command" {
  description = "The command the trigger runs, to rerun a migration by hand"
  value       = "ecs/run-migration --cluster ${aws_ecs_cluster.this.name} --task-definition ${module.ferry.task_definition_arn} --subnets ${join(",", local.subnet_ids)} --security-groups ${module.ferry.security_group_id}"
}

output "task_role_arn" {
  description = "ARN of the task role Ferry runs as"
  value       = module.ferry.task_role_arn
}

output "execution_role_arn" {
  description = "ARN of the task's execution role"
  value       = module.ferry.execution_role_arn
}

output "cluster_arn" {
  description = "ARN of the Aurora cluster"
  value       = aws_rds_cluster.this.arn
}
