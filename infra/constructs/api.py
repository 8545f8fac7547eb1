"""The REST API: stage v1, access logs, throttling, the authorizer on every non-public method, and
one Lambda per resource group wired to its prefixes — all from `topology.api_methods()`."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_logs as logs
from constructs import Construct

from docket.topology import BASE_PATHS, STAGE, api_methods
from infra.constructs.function import DocketFunction
from infra.gateway_responses import GATEWAY_RESPONSES


def _envelope(code: str) -> str:
    # A mapping template, not JSON data: `$context.error.messageString` is already a quoted JSON
    # string, and API Gateway offers no ISO time, so the request time is its CLF string.
    return (
        '{"success": false, "error": {"code": "' + code + '", "message": $context.error.messageString, '
        '"details": null, "timestamp": "$context.requestTime", "requestId": "$context.requestId"}}'
    )


class RestApi(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, throttle_rate: int, throttle_burst: int
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.THREE_MONTHS)
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name="docket",
            description="Docket REST API",
            cloud_watch_role=False,
            # API Gateway caps REST payloads at 10 MB; Lambda's 6 MB is the binding limit, and the
            # resolver refuses larger bodies (JSON over 1 MB) before any work.
            binary_media_types=[
                "multipart/form-data",
                "application/octet-stream",
                "application/pdf",
                "image/*",
            ],
            endpoint_types=[apigw.EndpointType.REGIONAL],
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                tracing_enabled=True,
                throttling_rate_limit=throttle_rate,
                throttling_burst_limit=throttle_burst,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
            ),
        )
        # API Gateway's own answers in Docket's envelope, with the headers the emulator sends too
        for response in GATEWAY_RESPONSES:
            self.api.add_gateway_response(
                f"Gateway{response.name}",
                type=apigw.ResponseType.of(response.response_type),
                status_code=str(response.status),
                response_headers={name: f"'{value}'" for name, value in response.headers.items()},
                templates={"application/json": _envelope(response.code)},
            )

    def wire(self, *, groups: dict[str, DocketFunction], authorizer_function: DocketFunction) -> None:
        """Every method of `topology.api_methods()`, integrated with its group's Lambda."""
        authorizer = apigw.RequestAuthorizer(
            self,
            "Authorizer",
            handler=authorizer_function.function,
            # Bearer or X-API-Key: the function decides, so no single header is required up front.
            identity_sources=[],
            # Session revocation must take effect on the next call: no cached decisions.
            results_cache_ttl=cdk.Duration.seconds(0),
        )
        # One API-scoped invoke permission per function instead of two per method: a group with many
        # prefixes would otherwise outgrow Lambda's 20 KB resource policy.
        integrations = {
            name: apigw.LambdaIntegration(fn.function, proxy=True, scope_permission_to_method=False)
            for name, fn in groups.items()
        }
        # Bodies are validated by the resolver (pydantic) against the same models as the spec; with no
        # API Gateway models on these proxy methods, the validator checks required parameters only.
        validator = self.api.add_request_validator(
            "Validator", validate_request_parameters=True, validate_request_body=True
        )
        for method in api_methods():
            resource = self._resource(method.resource)
            if method.public:
                resource.add_method(
                    method.method,
                    integrations[method.group.name],
                    authorization_type=apigw.AuthorizationType.NONE,
                )
            else:
                resource.add_method(
                    method.method,
                    integrations[method.group.name],
                    authorizer=authorizer,
                    authorization_type=apigw.AuthorizationType.CUSTOM,
                    request_validator=validator,
                )

    def map_domain(self, *, domain_name: str, certificate_arn: str) -> None:
        """A custom domain with every base path the seeds' clients use mapped onto the stage."""
        domain = apigw.DomainName(
            self,
            "Domain",
            domain_name=domain_name,
            certificate=acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn),
            endpoint_type=apigw.EndpointType.REGIONAL,
            security_policy=apigw.SecurityPolicy.TLS_1_2,
        )
        for base in BASE_PATHS:
            domain.add_api_mapping(self.api.deployment_stage, base_path=base.strip("/"))

    def _resource(self, path: str) -> apigw.IResource:
        resource: apigw.IResource = self.api.root
        for segment in path.strip("/").split("/"):
            resource = resource.get_resource(segment) or resource.add_resource(segment)
        return resource

    @property
    def url(self) -> str:
        return self.api.url
