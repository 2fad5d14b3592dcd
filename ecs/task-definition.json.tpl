{
  "family": "${FERRY_FAMILY}",
  "requiresCompatibilities": ["FARGATE"],
  "networkMode": "awsvpc",
  "cpu": "${FERRY_TASK_CPU}",
  "memory": "${FERRY_TASK_MEMORY}",
  "runtimePlatform": {
    "operatingSystemFamily": "LINUX",
    "cpuArchitecture": "${FERRY_CPU_ARCHITECTURE}"
  },
  "taskRoleArn": "${FERRY_TASK_ROLE_ARN}",
  "executionRoleArn": "${FERRY_EXECUTION_ROLE_ARN}",
  "volumes": [
    { "name": "tmp" }
  ],
  "containerDefinitions": [
    {
      "name": "ferry",
      "image": "${FERRY_IMAGE}",
      "essential": true,
      "cpu": ${FERRY_TASK_CPU},
      "memory": ${FERRY_TASK_MEMORY},
      "user": "${FERRY_CONTAINER_USER}",
      "readonlyRootFilesystem": true,
      "mountPoints": [
        { "sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": false }
      ],
      "environment": [
        { "name": "FERRY_ENVIRONMENT", "value": "${FERRY_ENVIRONMENT}" },
        { "name": "FERRY_DB_SECRET_ID", "value": "${FERRY_DB_SECRET_ID}" },
        { "name": "FERRY_DB_HOST", "value": "${FERRY_DB_HOST}" },
        { "name": "FERRY_DB_PORT", "value": "${FERRY_DB_PORT}" },
        { "name": "FERRY_DB_NAME", "value": "${FERRY_DB_NAME}" },
        { "name": "FERRY_PLACEHOLDER_SECRETS", "value": "${FERRY_PLACEHOLDER_SECRETS}" },
        { "name": "FERRY_SNAPSHOT_CLUSTER_ID", "value": "${FERRY_SNAPSHOT_CLUSTER_ID}" },
        { "name": "FERRY_DRIFT", "value": "${FERRY_DRIFT}" },
        { "name": "FERRY_REHEARSE", "value": "${FERRY_REHEARSE}" },
        { "name": "FERRY_REHEARSAL_CLUSTER_ID", "value": "${FERRY_REHEARSAL_CLUSTER_ID}" },
        { "name": "FERRY_REHEARSAL_INSTANCE_CLASS", "value": "${FERRY_REHEARSAL_INSTANCE_CLASS}" },
        { "name": "FERRY_REHEARSAL_LOCK_BUDGET", "value": "${FERRY_REHEARSAL_LOCK_BUDGET}" },
        { "name": "FERRY_LOG_FORMAT", "value": "json" },
        { "name": "AWS_REGION", "value": "${FERRY_AWS_REGION}" }
      ],
      "logConfiguration": {
        "logDriver": "awslogs",
        "options": {
          "awslogs-group": "${FERRY_LOG_GROUP}",
          "awslogs-region": "${FERRY_AWS_REGION}",
          "awslogs-stream-prefix": "ferry"
        }
      }
    }
  ]
}
