"""Alarms worth waking someone for: anything in a dead-letter queue, and API 5xx."""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class Monitoring(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, dead_letter_queues: list[sqs.IQueue], api: apigw.RestApi
    ) -> None:
        super().__init__(scope, construct_id)
        for index, queue in enumerate(dead_letter_queues):
            queue.metric_approximate_number_of_messages_visible().create_alarm(
                self,
                f"DeadLetters{index}",
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                alarm_description="Messages are waiting in a dead-letter queue",
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
        api.metric_server_error().create_alarm(
            self,
            "Api5xx",
            threshold=5,
            evaluation_periods=3,
            alarm_description="The REST API answers 5xx",
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
