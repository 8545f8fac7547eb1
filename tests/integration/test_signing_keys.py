"""The signing key set: made at deploy time by the custom resource, rotated by Secrets Manager's four
steps, with the previous key still verifying and published (the `keys` function on moto)."""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

import boto3
import jwt
import pytest
from botocore.config import Config

from docket import clock
from docket.security.key_rotation import RotationError
from docket.security.keys import JWKS_MAX_AGE_S, SIGNING_DELAY, KeySet, parse_key_set
from docket.security.tokens import verify_access_token
from docket.settings import Settings
from infra.local.keys import rotate_signing_keys
from infra.local.payloads import custom_resource_event, rotation_event
from infra.tools.functions import load
from tests.integration.conftest import TimeTravel
from tests.integration.support import FakeContext, call
from tests.members import member_session

RESPONSES_BUCKET = "cfn-responses"


def manager() -> Any:
    return boto3.client("secretsmanager")


def stored(secret_id: str, **version: str) -> str:
    found = manager().get_secret_value(SecretId=secret_id, **(version or {"VersionStage": "AWSCURRENT"}))
    return str(found["SecretString"])


def stored_set(secret_id: str) -> KeySet:
    return parse_key_set(stored(secret_id))


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def keys(event: dict[str, Any]) -> Any:
    return load("keys").handler(event, FakeContext())


def step(name: str, secret_id: str, token: str) -> Any:
    return keys(rotation_event(name, secret_id, token))


def new_token() -> str:
    return member_session("usr_1", "org_A", roles=("staff",)).access_token


# --- rotation --------------------------------------------------------------------------------


def test_a_rotation_signs_with_a_new_key_while_the_previous_one_keeps_verifying_and_is_published(
    aws: Settings, travel: TimeTravel
) -> None:
    # Given a token signed before the rotation
    before = new_token()
    previous = kid_of(before)
    # When Secrets Manager rotates the key set
    rotate_signing_keys(aws.signing_key_secret_id)
    # Then, once every process's cached copy of the set has expired, the JWKS publishes both keys
    travel.forward(minutes=5, seconds=1)
    rotated = stored_set(aws.signing_key_secret_id)
    published = call("auth", "GET", "/.well-known/jwks.json")
    assert published.status == 200
    assert {key["kid"] for key in published.body["keys"]} == {previous, rotated.active_kid}
    # (clients may cache the JWKS as long as the signing delay allows for)
    assert published.headers["Cache-Control"] == f"max-age={JWKS_MAX_AGE_S}"
    # but the previous key still signs: no token names the new key before every JWKS publishes it
    assert kid_of(new_token()) == previous
    # and once the signing delay has passed, tokens carry the new key's id
    travel.forward(seconds=SIGNING_DELAY.total_seconds())
    after = new_token()
    assert kid_of(after) == rotated.active_kid != previous
    # and both tokens verify
    assert verify_access_token(before)["sub"] == "usr_1"
    assert verify_access_token(after)["sub"] == "usr_1"
    assert rotated.find(previous).retired_at is not None
    assert rotated.active.retired_at is None


def test_keys_retired_more_than_a_day_ago_are_pruned(aws: Settings, travel: TimeTravel) -> None:
    secret_id = aws.signing_key_secret_id
    first = stored_set(secret_id).active_kid
    # Given two rotations an hour apart: both retired keys are younger than a day
    rotate_signing_keys(secret_id)
    second = stored_set(secret_id).active_kid
    travel.forward(hours=1)
    rotate_signing_keys(secret_id)
    third = stored_set(secret_id).active_kid
    assert {key.kid for key in stored_set(secret_id).keys} == {first, second, third}
    # When the next rotation comes two days later
    travel.forward(days=2)
    rotating_at = travel.now()
    rotate_signing_keys(secret_id)
    # Then the keys retired more than a day ago are gone; the one it just retired stays, retired
    # by this rotation (so it is kept for a day from now)
    latest = stored_set(secret_id)
    assert {key.kid for key in latest.keys} == {latest.active_kid, third}
    retired_at = clock.parse(latest.find(third).retired_at)
    assert retired_at is not None
    assert rotating_at <= retired_at <= travel.now()
    assert latest.active.retired_at is None


def test_every_step_can_be_retried_with_the_same_version(aws: Settings) -> None:
    secret_id = aws.signing_key_secret_id
    token = str(uuid.uuid4())
    # createSecret twice (Secrets Manager retries a step that timed out): one pending set
    step("createSecret", secret_id, token)
    pending = stored(secret_id, VersionId=token, VersionStage="AWSPENDING")
    step("createSecret", secret_id, token)
    assert stored(secret_id, VersionId=token, VersionStage="AWSPENDING") == pending
    for name in ("setSecret", "testSecret", "finishSecret"):
        step(name, secret_id, token)
    assert stored(secret_id) == pending
    # the whole rotation again, with the version already current, changes nothing
    for name in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        step(name, secret_id, token)
    assert stored(secret_id) == pending
    stages = manager().describe_secret(SecretId=secret_id)["VersionIdsToStages"]
    assert stages[token] == ["AWSCURRENT"]  # AWSPENDING on no version: the rotation is over
    # and a later rotation starts cleanly
    rotate_signing_keys(secret_id)
    assert stored_set(secret_id).active_kid != parse_key_set(pending).active_kid


def test_test_secret_refuses_a_pending_set_that_cannot_sign(aws: Settings) -> None:
    secret_id = aws.signing_key_secret_id
    before = stored(secret_id)
    token = str(uuid.uuid4())
    broken = json.dumps({"activeKid": "key_1", "keys": [{"kid": "key_1", "privatePem": "not a key"}]})
    manager().put_secret_value(
        SecretId=secret_id, ClientRequestToken=token, SecretString=broken, VersionStages=["AWSPENDING"]
    )
    with pytest.raises(RotationError, match="invalid"):
        step("testSecret", secret_id, token)
    assert stored(secret_id) == before


def test_steps_for_a_version_that_is_not_pending_are_refused(aws: Settings) -> None:
    with pytest.raises(RotationError, match="does not exist"):
        step("finishSecret", aws.signing_key_secret_id, str(uuid.uuid4()))
    with pytest.raises(RotationError, match="unknown rotation step"):
        step("dropSecret", aws.signing_key_secret_id, str(uuid.uuid4()))


# --- the custom resource ---------------------------------------------------------------------


def response_url() -> tuple[str, str]:
    """A pre-signed PUT URL of an S3 object, as CloudFormation gives a custom resource."""
    s3 = boto3.client("s3", config=Config(signature_version="s3v4"))
    s3.create_bucket(Bucket=RESPONSES_BUCKET)
    key = f"responses/{uuid.uuid4()}"
    url = s3.generate_presigned_url("put_object", Params={"Bucket": RESPONSES_BUCKET, "Key": key})
    return str(url), key


def custom_resource(request_type: str, secret_id: str, physical_id: str | None = None) -> dict[str, Any]:
    """Send a request as CloudFormation would; what CloudFormation received at the response URL."""
    url, key = response_url()
    event = custom_resource_event(
        request_type,
        properties={"SecretId": secret_id},
        response_url=url,
        physical_id=physical_id,
        old_properties={"SecretId": secret_id},
    )
    keys(event)
    body = boto3.client("s3").get_object(Bucket=RESPONSES_BUCKET, Key=key)["Body"].read()
    answer: dict[str, Any] = json.loads(body)
    assert answer["RequestId"] == event["RequestId"]
    assert answer["LogicalResourceId"] == event["LogicalResourceId"]
    return answer


def test_create_replaces_the_placeholder_cloudformation_generated_by_a_key_set(aws: Settings) -> None:
    # Given the secret as CloudFormation creates it: a random string
    arn = manager().create_secret(Name="docket/signing-key", SecretString=secrets.token_urlsafe(24))["ARN"]
    # When the custom resource is created
    answer = custom_resource("Create", arn)
    # Then CloudFormation hears of success and the secret holds a key set that signs
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", arn)
    assert answer["Data"] == {"Written": "true"}
    key_set = stored_set(arn).check()
    assert len(key_set.keys) == 1
    assert key_set.jwks()["keys"][0]["kid"] == key_set.active_kid


def test_create_on_a_secret_without_any_value_makes_a_key_set(aws: Settings) -> None:
    arn = manager().create_secret(Name="docket/empty-signing-key")["ARN"]
    assert custom_resource("Create", arn)["Status"] == "SUCCESS"
    assert stored_set(arn).check().active.kid


def test_a_valid_key_set_is_never_replaced_and_delete_leaves_it(aws: Settings) -> None:
    secret_id = aws.signing_key_secret_id
    rotate_signing_keys(secret_id)
    before = stored(secret_id)
    # a second Create (a replaced resource) and an Update keep the set
    created = custom_resource("Create", secret_id)
    assert (created["Status"], created["Data"]) == ("SUCCESS", {"Written": "false"})
    updated = custom_resource("Update", secret_id, physical_id=created["PhysicalResourceId"])
    assert updated["Status"] == "SUCCESS"
    assert updated["PhysicalResourceId"] == created["PhysicalResourceId"]
    deleted = custom_resource("Delete", secret_id, physical_id=created["PhysicalResourceId"])
    assert deleted["Status"] == "SUCCESS"
    assert stored(secret_id) == before


def test_update_repairs_a_secret_that_does_not_hold_a_valid_set(aws: Settings) -> None:
    secret_id = aws.signing_key_secret_id
    manager().put_secret_value(SecretId=secret_id, SecretString='{"activeKid": "gone", "keys": []}')
    assert custom_resource("Update", secret_id, physical_id=secret_id)["Data"] == {"Written": "true"}
    assert stored_set(secret_id).check()


def test_a_failure_is_reported_to_cloudformation_instead_of_leaving_it_waiting(aws: Settings) -> None:
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:nothing-here-AbCdEf"
    answer = custom_resource("Create", missing)
    assert answer["Status"] == "FAILED"
    assert "ResourceNotFoundException" in answer["Reason"]
    assert answer["PhysicalResourceId"]
