"""The signing key set's custom resource (deploy time) and rotation function (Secrets Manager).

CloudFormation sends `{"RequestType": "Create" | "Update" | "Delete", "ResourceProperties":
{"SecretId"}, "ResponseURL", …}`; Secrets Manager sends `{"Step", "SecretId", "ClientRequestToken"}`.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from docket.custom_resources import Outcome, serve
from docket.observability import logger, traced
from docket.security.key_rotation import ensure_key_set, rotate


def _key_set_resource(event: dict[str, Any]) -> Outcome:
    secret_id = str(event["ResourceProperties"]["SecretId"])
    if event["RequestType"] == "Delete":
        # the keys go with the secret, when CloudFormation deletes it
        return Outcome(physical_id=str(event.get("PhysicalResourceId") or secret_id))
    written = ensure_key_set(secret_id)
    return Outcome(physical_id=secret_id, data={"Written": "true" if written else "false"})


@logger.inject_lambda_context(clear_state=True)
@traced
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str] | None:
    if "RequestType" in event:
        return serve(event, context, _key_set_resource)
    rotate(event["Step"], event["SecretId"], event["ClientRequestToken"])
    return None
