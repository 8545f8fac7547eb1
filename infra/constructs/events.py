"""Events: the bus, a queue (+DLQ) per QueueSpec with its rule, and the stream publisher."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from docket.topology import EVENT_SOURCE, QUEUES
from infra.constructs.function import DocketFunction
from infra.naming import pascal


def _queue(scope: Construct, construct_id: str, **props: object) -> sqs.Queue:
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        **props,  # type: ignore[arg-type]
    )


class EventBus(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus")
        self.archive = self.bus.archive(
            "Archive",
            event_pattern=events.EventPattern(source=[EVENT_SOURCE]),
            retention=cdk.Duration.days(30),
            description="Replayable history of Docket domain events",
        )


class EventRouting(Construct):
    """Stream → publisher → bus → rule → queue → consumer, for every QueueSpec in the topology."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bus: events.IEventBus,
        table: dynamodb.ITableV2,
        functions: dict[str, DocketFunction],
        publisher: DocketFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.queues: dict[str, sqs.Queue] = {}
        self.dead_letter_queues: list[sqs.Queue] = []

        stream_failures = _queue(self, "PublisherFailures", retention_period=cdk.Duration.days(14))
        self.dead_letter_queues.append(stream_failures)
        publisher.function.add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                batch_size=100,
                max_batching_window=cdk.Duration.seconds(1),
                bisect_batch_on_error=True,
                retry_attempts=10,
                report_batch_item_failures=True,
                on_failure=sources.SqsDlq(stream_failures),
            )
        )
        bus.grant_put_events_to(publisher.function)

        for spec in QUEUES:
            consumer = functions[spec.consumer]
            dlq = _queue(self, f"{pascal(spec.name)}Dlq", retention_period=cdk.Duration.days(14))
            queue = _queue(
                self,
                pascal(spec.name),
                visibility_timeout=cdk.Duration.seconds(6 * spec.consumer_timeout_s),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=spec.max_receive_count),
            )
            target_dlq = _queue(self, f"{pascal(spec.name)}RuleDlq", retention_period=cdk.Duration.days(14))
            pattern = events.EventPattern(
                source=[EVENT_SOURCE], detail_type=list(spec.detail_types) if spec.detail_types else None
            )
            events.Rule(
                self,
                f"{pascal(spec.name)}Rule",
                event_bus=bus,
                event_pattern=pattern,
                targets=[
                    targets.SqsQueue(
                        queue,
                        dead_letter_queue=target_dlq,
                        retry_attempts=185,
                        max_event_age=cdk.Duration.hours(24),
                    )
                ],
            )
            consumer.function.add_event_source(
                sources.SqsEventSource(
                    queue,
                    batch_size=spec.batch_size,
                    max_batching_window=cdk.Duration.seconds(1),
                    report_batch_item_failures=True,
                )
            )
            self.queues[spec.name] = queue
            self.dead_letter_queues += [dlq, target_dlq]
