"""Data: the single table (from the one schema declaration), the documents bucket, the secrets."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from docket import topology
from docket.data import schema


def _key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Data(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, cors_origins: list[str]) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.TableV2(
            self,
            "Table",
            partition_key=_key(schema.PRIMARY.partition),
            sort_key=_key(schema.PRIMARY.sort),
            billing=dynamodb.Billing.on_demand(),
            time_to_live_attribute=schema.TTL_ATTRIBUTE,
            dynamo_stream=dynamodb.StreamViewType(schema.STREAM_VIEW_TYPE),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
            global_secondary_indexes=[
                dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name=index.name,
                    partition_key=_key(index.keys.partition),
                    sort_key=_key(index.keys.sort),
                    projection_type=dynamodb.ProjectionType.ALL,
                )
                for index in schema.GLOBAL_INDEXES
            ],
        )

        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(365))],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.documents = s3.Bucket(
            self,
            "Documents",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="documents/",
            removal_policy=cdk.RemovalPolicy.RETAIN,
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.GET, s3.HttpMethods.PUT, s3.HttpMethods.POST],
                    allowed_origins=cors_origins,
                    allowed_headers=["*"],
                    exposed_headers=["ETag"],
                    max_age=3000,
                )
            ],
            lifecycle_rules=[
                s3.LifecycleRule(abort_incomplete_multipart_upload_after=cdk.Duration.days(1)),
                s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(90)),
                # exports (personal data, audit trails) are downloads, not records: gone after 7 days
                s3.LifecycleRule(
                    tag_filters=dict([topology.EXPORT_TAG]),
                    expiration=cdk.Duration.days(topology.EXPORT_RETENTION_DAYS),
                    noncurrent_version_expiration=cdk.Duration.days(1),
                ),
            ],
        )

        # Documents live under org/<orgId>/…; functions get object actions there and nothing else.
        self.document_objects = self.documents.arn_for_objects("org/*")

        # The RS256 key set (`{"activeKid", "keys": [...]}`). CloudFormation creates the secret with a
        # random placeholder, which the `Custom::DocketSigningKeySet` resource replaces by a fresh key
        # set during the same deployment (infra/constructs/signing_keys.py); rotation takes it from
        # there. The value stays generated, never a literal: CloudFormation may write a template's
        # SecretString again on an update, over a rotated set. Changing the generator would do the
        # same (a new placeholder replaces the keys), so leave it as it is.
        self.signing_key = secretsmanager.Secret(
            self,
            "SigningKey",
            description="Docket token signing key set (RS256 JWKs)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
        )
        self.app_secret = secretsmanager.Secret(
            self,
            "AppSecret",
            description="Docket HMAC secret (pagination cursors, CSRF)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
        )
