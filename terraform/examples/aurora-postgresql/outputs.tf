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
  description = "ARN of Ferry's task definition (the revision Terraform registered)"
  value       = module.ferry.task_definition_arn
}

output "task_definition_family" {
  description = "Family of Ferry's task definition: the pipeline registers its new revisions in it (GitHub variable TASK_DEFINITION)"
  value       = module.ferry.task_definition_family
}

output "region" {
  description = "AWS region of the environment"
  value       = var.region
}

output "ecr_repository_name" {
  description = "Name of the ECR repository the pipeline pushes Ferry's image to (null where create_ecr_repository is false)"
  value       = module.ferry.ecr_repository_name
}

output "image_repository_url" {
  description = "URL of the repository this environment's image comes from: the created one, or `image_repository`"
  value       = local.image_repository
}

output "github_oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider the deploy role trusts (created here, or `github_oidc_provider_arn`): the next environment in this account passes it as github_oidc_provider_arn (null without github_repository)"
  value       = var.github_repository == null ? null : coalesce(var.github_oidc_provider_arn, try(aws_iam_openid_connect_provider.github[0].arn, null))
}

output "deploy_role_arn" {
  description = "ARN of the role GitHub Actions assumes through OIDC (null without github_repository)"
  value       = try(aws_iam_role.deploy[0].arn, null)
}

output "github_variables" {
  description = "The variables of this environment's GitHub environments (<environment> and <environment>-plan), name => value, as plan-environment.yml and migrate.yml read them (README.md's \"GitHub variables and Terraform outputs\")"
  value = {
    AWS_DEPLOY_ROLE_ARN = try(aws_iam_role.deploy[0].arn, null)
    AWS_REGION          = var.region
    ECS_CLUSTER         = aws_ecs_cluster.this.name
    TASK_DEFINITION     = module.ferry.task_definition_family
    SUBNETS             = join(",", local.subnet_ids)
    SECURITY_GROUPS     = module.ferry.security_group_id
  }
}

output "github_repository_variables" {
  description = "The repository-level GitHub variables deploy.yml's image job reads (it runs in no environment), name => value: set from the environment that creates the repository (null where create_ecr_repository is false); RDS_CA_SHA256 is set by hand"
  value = var.create_ecr_repository ? {
    AWS_DEPLOY_ROLE_ARN = try(aws_iam_role.deploy[0].arn, null)
    AWS_REGION          = var.region
    ECR_REPOSITORY      = module.ferry.ecr_repository_name
  } : null
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
  description = "URL of the ECR repository the pipeline pushes Ferry's image to, the other environments' image_repository (null where create_ecr_repository is false)"
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
