"""Type aliases for what the client methods accept besides the generated messages."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any, Union

from ._proto.cortex.v1.context_service_pb2 import ConversationTurn
from ._proto.cortex.v1.memory_pb2 import MemoryFilter

#: A MemoryFilter or a dict of its fields, e.g. `{"tags": ["ops"], "tiers": ["hot"]}`.
FilterLike = Union[MemoryFilter, Mapping[str, Any]]
#: An enum by number (RecallMode.RECALL_MODE_KEYWORD is an int) or by name, short (`"keyword"`)
#: or full (`"RECALL_MODE_KEYWORD"`).
RecallModeLike = Union[int, str]
CompressionLike = Union[int, str]
#: A ConversationTurn or a dict like `{"role": "user", "content": "..."}`.
TurnLike = Union[ConversationTurn, Mapping[str, Any]]
Turns = Sequence[TurnLike]
#: A JSON object as text, or a dict that is serialized for you.
PayloadLike = Union[str, Mapping[str, Any]]
Timestamp = datetime.datetime
