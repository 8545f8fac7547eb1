"""Periodic jobs: an EventBridge Scheduler schedule per `topology.SCHEDULES` entry."""

from __future__ import annotations

import json

from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from docket.topology import SCHEDULES
from infra.constructs.function import DocketFunction
from infra.naming import pascal


class Schedules(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, functions: dict[str, DocketFunction]) -> None:
        super().__init__(scope, construct_id)
        self.schedules: list[scheduler.CfnSchedule] = []
        self.role: iam.Role | None = None
        self.targets: list[DocketFunction] = []
        if not SCHEDULES:
            return
        role = self.role = iam.Role(
            self, "InvokeRole", assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com")
        )
        for spec in SCHEDULES:
            self.targets.append(functions[spec.function])
            target = functions[spec.function].function
            target.grant_invoke(role)
            self.schedules.append(
                scheduler.CfnSchedule(
                    self,
                    pascal(spec.name),
                    schedule_expression=spec.expression,
                    flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                    target=scheduler.CfnSchedule.TargetProperty(
                        arn=target.function_arn,
                        role_arn=role.role_arn,
                        input=json.dumps({"job": spec.name}),
                        retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(maximum_retry_attempts=3),
                    ),
                    description=f"Docket job {spec.name}",
                )
            )
