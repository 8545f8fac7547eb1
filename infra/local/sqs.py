"""moto's SQS, made to cost the same with a backlog as without (`install()`, once per process).

moto computes every queue attribute — three of them by walking all the queue's messages — each
time anything reads one, and `SendMessage` reads one (`ContentBasedDeduplication`) on every call:
with a backlog of N messages every send cost O(N), so a consumer falling behind slowed every
producer, which let it fall further behind. Here `Queue.attributes` is a mapping that computes an
attribute when it is read; the answers are moto's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from moto.core.utils import camelcase_to_underscores
from moto.sqs.models import Queue


class QueueAttributes(Mapping[str, Any]):
    """moto's `Queue.attributes`, each value computed when it is read."""

    def __init__(self, queue: Queue) -> None:
        self._queue = queue
        names = list(queue.BASE_ATTRIBUTES)
        if queue.fifo_queue:
            names += queue.FIFO_ATTRIBUTES
        if queue.kms_master_key_id:  # type: ignore[attr-defined]
            names += queue.KMS_ATTRIBUTES
        self._names = list(dict.fromkeys([*names, *(["Policy"] if queue.policy else [])]))

    def __getitem__(self, name: str) -> Any:
        if name not in self._names:
            raise KeyError(name)
        queue = self._queue
        if name == "Policy" and queue.policy:
            value: Any = queue.policy
        elif name == "RedrivePolicy" and queue.redrive_policy:
            value = json.dumps(queue.redrive_policy)
        else:
            value = getattr(queue, camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@cache
def install() -> None:
    Queue.attributes = property(QueueAttributes)  # type: ignore[assignment,method-assign]
