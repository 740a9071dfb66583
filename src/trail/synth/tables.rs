//! The synthetic trail's vocabulary: principals, IPs, user agents, resources and the API calls
//! of everyday activity (reads, deployments, AWS services), as (eventSource, eventName, ...)
//! tables the generator picks from.

pub(super) const READ_ROLES: &[&str] = &[
    "grafana-cloudwatch-reader",
    "datadog-integration",
    "eks-prod-node-group",
    "eks-staging-node-group",
    "data-pipeline-etl",
    "billing-reports",
    "AWSReservedSSO_ReadOnlyAccess_6c0a3f1e2b4d5a79",
    "AWSReservedSSO_PowerUserAccess_0b9e8d7c6a5f4e31",
    "backup-verifier",
    "prowler-scanner",
    "lambda-orders-api",
    "lambda-image-resize",
    "ecs-task-payments",
    "ecs-task-search",
    "karpenter-controller",
    "external-dns",
    "cost-explorer-exporter",
    "inventory-collector",
];

pub(super) const SESSION_NAMES: &[&str] = &[
    "aws-go-sdk-1736150400",
    "botocore-session-1736150400",
    "i-0a1b2c3d4e5f60718",
    "alice@example.com",
    "bob@example.com",
    "carol@example.com",
    "1736150400123456789",
    "terraform-plan",
];

pub(super) const DEV_USERS: &[&str] = &["alice", "bob", "carol", "dave", "erin"];

pub(super) const AGENTS: &[&str] = &[
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023",
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.150.0",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.79 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "aws-sdk-java/2.25.16 Linux/6.1.79 OpenJDK_64-Bit_Server_VM/21.0.2+13-LTS Java/21.0.2 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/standard",
    "Grafana/10.4.1 aws-sdk-go/1.51.0 (go1.21.8; linux; amd64)",
];

pub(super) const NAT_IPS: &[&str] = &["52.23.41.7", "34.201.17.88", "3.92.150.12", "54.85.9.200"];
pub(super) const OFFICE_IPS: &[&str] = &["203.0.113.10", "203.0.113.24", "203.0.113.77"];
pub(super) const ATTACKER_IPS: &[&str] = &["198.51.100.23", "198.51.100.87", "198.51.100.140"];

pub(super) const BUCKETS: &[&str] = &[
    "acme-prod-artifacts",
    "acme-prod-logs",
    "acme-data-lake-raw",
    "acme-terraform-state",
];
pub(super) const FUNCTIONS: &[&str] = &[
    "orders-api",
    "image-resize",
    "report-builder",
    "webhook-relay",
];

/// Read-only calls: (eventSource, eventName, requestParameters template). `$B` bucket,
/// `$F` function, `$G` region, `$I` instance, `$A` account, `$R` a role name.
pub(super) const READS: &[(&str, &str, &str)] = &[
    (
        "ec2.amazonaws.com",
        "DescribeInstances",
        r#"{"instancesSet":{},"filterSet":{}}"#,
    ),
    (
        "ec2.amazonaws.com",
        "DescribeSecurityGroups",
        r#"{"securityGroupSet":{},"securityGroupIdSet":{},"filterSet":{}}"#,
    ),
    (
        "ec2.amazonaws.com",
        "DescribeVpcs",
        r#"{"vpcSet":{},"filterSet":{}}"#,
    ),
    (
        "ec2.amazonaws.com",
        "DescribeSubnets",
        r#"{"subnetSet":{},"filterSet":{}}"#,
    ),
    (
        "ec2.amazonaws.com",
        "DescribeRouteTables",
        r#"{"routeTableIdSet":{},"filterSet":{}}"#,
    ),
    (
        "ec2.amazonaws.com",
        "DescribeVolumes",
        r#"{"volumeSet":{},"filterSet":{}}"#,
    ),
    (
        "ec2.amazonaws.com",
        "DescribeNetworkInterfaces",
        r#"{"networkInterfaceIdSet":{},"filterSet":{"items":[{"name":"attachment.instance-id","valueSet":{"items":[{"value":"$I"}]}}]}}"#,
    ),
    (
        "s3.amazonaws.com",
        "ListBuckets",
        r#"{"Host":"s3.amazonaws.com"}"#,
    ),
    (
        "s3.amazonaws.com",
        "GetBucketLocation",
        r#"{"bucketName":"$B","Host":"$B.s3.amazonaws.com","location":""}"#,
    ),
    (
        "s3.amazonaws.com",
        "GetBucketPolicy",
        r#"{"bucketName":"$B","Host":"$B.s3.$G.amazonaws.com","policy":""}"#,
    ),
    (
        "s3.amazonaws.com",
        "GetBucketAcl",
        r#"{"bucketName":"$B","Host":"$B.s3.$G.amazonaws.com","acl":""}"#,
    ),
    ("iam.amazonaws.com", "ListRoles", r#"{"maxItems":100}"#),
    ("iam.amazonaws.com", "GetRole", r#"{"roleName":"$R"}"#),
    (
        "iam.amazonaws.com",
        "ListAttachedRolePolicies",
        r#"{"roleName":"$R"}"#,
    ),
    ("sts.amazonaws.com", "GetCallerIdentity", "null"),
    ("lambda.amazonaws.com", "ListFunctions20150331", "null"),
    (
        "lambda.amazonaws.com",
        "GetFunction20150331v2",
        r#"{"functionName":"$F"}"#,
    ),
    ("logs.amazonaws.com", "DescribeLogGroups", r#"{"limit":50}"#),
    (
        "logs.amazonaws.com",
        "DescribeLogStreams",
        r#"{"logGroupName":"/aws/lambda/$F","orderBy":"LastEventTime","descending":true,"limit":5}"#,
    ),
    (
        "monitoring.amazonaws.com",
        "DescribeAlarms",
        r#"{"maxRecords":100}"#,
    ),
    (
        "monitoring.amazonaws.com",
        "GetMetricData",
        r#"{"startTime":"Jan 6, 2025, 10:00:00 AM","endTime":"Jan 6, 2025, 11:00:00 AM","maxDatapoints":1000}"#,
    ),
    ("rds.amazonaws.com", "DescribeDBInstances", "null"),
    (
        "ecs.amazonaws.com",
        "DescribeServices",
        r#"{"cluster":"prod","services":["payments","search"],"include":["TAGS"]}"#,
    ),
    (
        "ecs.amazonaws.com",
        "ListTasks",
        r#"{"cluster":"prod","serviceName":"payments"}"#,
    ),
    (
        "ssm.amazonaws.com",
        "GetParameter",
        r#"{"name":"/prod/$F/config","withDecryption":true}"#,
    ),
    (
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        r#"{"secretId":"prod/$F/db"}"#,
    ),
    (
        "dynamodb.amazonaws.com",
        "DescribeTable",
        r#"{"tableName":"orders"}"#,
    ),
    (
        "elasticloadbalancing.amazonaws.com",
        "DescribeTargetHealth",
        r#"{"targetGroupArn":"arn:aws:elasticloadbalancing:$G:$A:targetgroup/orders/6d0ecf831eec9f09"}"#,
    ),
    (
        "autoscaling.amazonaws.com",
        "DescribeAutoScalingGroups",
        "null",
    ),
    (
        "cloudformation.amazonaws.com",
        "DescribeStacks",
        r#"{"stackName":"orders-prod"}"#,
    ),
];

/// Deploy-bot writes: mostly application churn, some IAM, security-group and route changes.
pub(super) const DEPLOY_WRITES: &[(&str, &str, &str, &str)] = &[
    (
        "lambda.amazonaws.com",
        "UpdateFunctionCode20150331v2",
        r#"{"functionName":"$F","s3Bucket":"acme-prod-artifacts","s3Key":"$F/build-$N.zip","publish":true}"#,
        r#"{"functionName":"$F","functionArn":"arn:aws:lambda:$G:$A:function:$F","runtime":"python3.12","codeSize":48213,"version":"$N"}"#,
    ),
    (
        "lambda.amazonaws.com",
        "UpdateFunctionConfiguration20150331v2",
        r#"{"functionName":"$F","timeout":30,"memorySize":512}"#,
        r#"{"functionName":"$F","functionArn":"arn:aws:lambda:$G:$A:function:$F","state":"Active"}"#,
    ),
    (
        "cloudformation.amazonaws.com",
        "CreateChangeSet",
        r#"{"stackName":"orders-prod","changeSetName":"deploy-$N","changeSetType":"UPDATE"}"#,
        r#"{"id":"arn:aws:cloudformation:$G:$A:changeSet/deploy-$N/0b3c","stackId":"arn:aws:cloudformation:$G:$A:stack/orders-prod/5b1c"}"#,
    ),
    (
        "cloudformation.amazonaws.com",
        "ExecuteChangeSet",
        r#"{"changeSetName":"deploy-$N","stackName":"orders-prod"}"#,
        "null",
    ),
    (
        "ecs.amazonaws.com",
        "RegisterTaskDefinition",
        r#"{"family":"payments","networkMode":"awsvpc","cpu":"512","memory":"1024"}"#,
        r#"{"taskDefinition":{"family":"payments","revision":$N,"status":"ACTIVE"}}"#,
    ),
    (
        "ecs.amazonaws.com",
        "UpdateService",
        r#"{"cluster":"prod","service":"payments","taskDefinition":"payments:$N","forceNewDeployment":false}"#,
        r#"{"service":{"serviceName":"payments","status":"ACTIVE","desiredCount":3}}"#,
    ),
    (
        "ssm.amazonaws.com",
        "PutParameter",
        r#"{"name":"/prod/$F/version","type":"String","overwrite":true}"#,
        r#"{"version":$N,"tier":"Standard"}"#,
    ),
    (
        "logs.amazonaws.com",
        "PutRetentionPolicy",
        r#"{"logGroupName":"/aws/lambda/$F","retentionInDays":30}"#,
        "null",
    ),
    (
        "ecr.amazonaws.com",
        "PutImage",
        r#"{"repositoryName":"payments","imageTag":"build-$N","registryId":"$A"}"#,
        r#"{"image":{"repositoryName":"payments","imageId":{"imageTag":"build-$N"}}}"#,
    ),
    (
        "iam.amazonaws.com",
        "PutRolePolicy",
        r#"{"roleName":"lambda-orders-api","policyName":"orders-table-access","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"dynamodb:GetItem\",\"dynamodb:PutItem\"],\"Resource\":\"arn:aws:dynamodb:$G:$A:table/orders\"}]}"}"#,
        "null",
    ),
    (
        "iam.amazonaws.com",
        "AttachRolePolicy",
        r#"{"roleName":"ecs-task-search","policyArn":"arn:aws:iam::aws:policy/CloudWatchLambdaInsightsExecutionRolePolicy"}"#,
        "null",
    ),
    (
        "ec2.amazonaws.com",
        "AuthorizeSecurityGroupIngress",
        r#"{"groupId":"sg-0a1b2c3d4e5f60718","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":443,"toPort":443,"ipRanges":{"items":[{"cidrIp":"10.20.0.0/16","description":"internal-alb"}]}}]}}"#,
        r#"{"requestId":"$Q","_return":true}"#,
    ),
    (
        "ec2.amazonaws.com",
        "RevokeSecurityGroupIngress",
        r#"{"groupId":"sg-0a1b2c3d4e5f60718","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":8080,"toPort":8080,"ipRanges":{"items":[{"cidrIp":"10.20.0.0/16"}]}}]}}"#,
        r#"{"requestId":"$Q","_return":true}"#,
    ),
    (
        "ec2.amazonaws.com",
        "CreateRoute",
        r#"{"routeTableId":"rtb-0f1e2d3c4b5a69788","destinationCidrBlock":"10.40.0.0/16","transitGatewayId":"tgw-0123456789abcdef0"}"#,
        r#"{"requestId":"$Q","_return":true}"#,
    ),
    (
        "ec2.amazonaws.com",
        "ReplaceRoute",
        r#"{"routeTableId":"rtb-0f1e2d3c4b5a69788","destinationCidrBlock":"0.0.0.0/0","natGatewayId":"nat-0a9b8c7d6e5f40312"}"#,
        r#"{"requestId":"$Q","_return":true}"#,
    ),
];

/// AWS services acting on the account's behalf: (invoking service, eventSource, eventName).
pub(super) const SERVICE_CALLS: &[(&str, &str, &str)] = &[
    ("lambda.amazonaws.com", "sts.amazonaws.com", "AssumeRole"),
    ("ecs-tasks.amazonaws.com", "sts.amazonaws.com", "AssumeRole"),
    ("ec2.amazonaws.com", "sts.amazonaws.com", "AssumeRole"),
    (
        "cloudtrail.amazonaws.com",
        "kms.amazonaws.com",
        "GenerateDataKey",
    ),
    ("s3.amazonaws.com", "kms.amazonaws.com", "Decrypt"),
    (
        "secretsmanager.amazonaws.com",
        "kms.amazonaws.com",
        "Decrypt",
    ),
    (
        "autoscaling.amazonaws.com",
        "ec2.amazonaws.com",
        "DescribeInstanceStatus",
    ),
    (
        "config.amazonaws.com",
        "ec2.amazonaws.com",
        "DescribeSecurityGroups",
    ),
    (
        "elasticloadbalancing.amazonaws.com",
        "ec2.amazonaws.com",
        "DescribeNetworkInterfaces",
    ),
];

/// Service-linked roles that probe APIs they are not allowed to call (benign AccessDenied).
pub(super) const SERVICE_LINKED_DENIED: &[(&str, &str, &str, &str)] = &[
    (
        "AWSServiceRoleForConfig",
        "config.amazonaws.com",
        "s3.amazonaws.com",
        "GetBucketPolicy",
    ),
    (
        "AWSServiceRoleForSecurityHub",
        "securityhub.amazonaws.com",
        "s3.amazonaws.com",
        "GetBucketAcl",
    ),
    (
        "AWSServiceRoleForAccessAnalyzer",
        "access-analyzer.amazonaws.com",
        "kms.amazonaws.com",
        "GetKeyPolicy",
    ),
    (
        "AWSServiceRoleForTrustedAdvisor",
        "trustedadvisor.amazonaws.com",
        "iam.amazonaws.com",
        "GetAccountPasswordPolicy",
    ),
    (
        "AWSServiceRoleForAmazonGuardDuty",
        "guardduty.amazonaws.com",
        "ec2.amazonaws.com",
        "DescribeVpcEndpoints",
    ),
];
