"""Type aliases for what the client methods accept besides the generated messages."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any, Union

from ._proto.cortex.v1.context_service_pb2 import CompressionStrategy, ConversationTurn
from ._proto.cortex.v1.memory_pb2 import MemoryFilter
from ._proto.cortex.v1.memory_service_pb2 import RecallMode

#: A MemoryFilter or a dict of its fields, e.g. `{"tags": ["ops"], "tiers": ["hot"]}`.
FilterLike = Union[MemoryFilter, Mapping[str, Any]]
#: An enum by number or by name, short (`"keyword"`) or full (`"RECALL_MODE_KEYWORD"`).
RecallModeLike = Union[RecallMode, int, str]
CompressionLike = Union[CompressionStrategy, int, str]
#: A ConversationTurn or a dict like `{"role": "user", "content": "..."}`.
TurnLike = Union[ConversationTurn, Mapping[str, Any]]
Turns = Sequence[TurnLike]
#: A JSON object as text, or a dict that is serialized for you.
PayloadLike = Union[str, Mapping[str, Any]]
Timestamp = datetime.datetime
