import datetime

from cortex_client._proto.cortex.v1 import memory_pb2 as _memory_pb2
from cortex_client._proto.cortex.v1 import options_pb2 as _options_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetSnapshotRequest(_message.Message):
    __slots__ = ("namespace", "agent_id", "hot_limit")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    HOT_LIMIT_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    agent_id: str
    hot_limit: int
    def __init__(self, namespace: _Optional[str] = ..., agent_id: _Optional[str] = ..., hot_limit: _Optional[int] = ...) -> None: ...

class TierCounts(_message.Message):
    __slots__ = ("hot", "warm", "cold")
    HOT_FIELD_NUMBER: _ClassVar[int]
    WARM_FIELD_NUMBER: _ClassVar[int]
    COLD_FIELD_NUMBER: _ClassVar[int]
    hot: int
    warm: int
    cold: int
    def __init__(self, hot: _Optional[int] = ..., warm: _Optional[int] = ..., cold: _Optional[int] = ...) -> None: ...

class GetSnapshotResponse(_message.Message):
    __slots__ = ("hot_memories", "state", "state_version", "state_updated_at", "tier_counts", "ledger_head_seq", "ledger_head_hash")
    class StateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    HOT_MEMORIES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    TIER_COUNTS_FIELD_NUMBER: _ClassVar[int]
    LEDGER_HEAD_SEQ_FIELD_NUMBER: _ClassVar[int]
    LEDGER_HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    hot_memories: _containers.RepeatedCompositeFieldContainer[_memory_pb2.Memory]
    state: _containers.ScalarMap[str, str]
    state_version: int
    state_updated_at: _timestamp_pb2.Timestamp
    tier_counts: TierCounts
    ledger_head_seq: int
    ledger_head_hash: str
    def __init__(self, hot_memories: _Optional[_Iterable[_Union[_memory_pb2.Memory, _Mapping]]] = ..., state: _Optional[_Mapping[str, str]] = ..., state_version: _Optional[int] = ..., state_updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tier_counts: _Optional[_Union[TierCounts, _Mapping]] = ..., ledger_head_seq: _Optional[int] = ..., ledger_head_hash: _Optional[str] = ...) -> None: ...

class PutStateRequest(_message.Message):
    __slots__ = ("namespace", "agent_id", "set", "delete_keys", "expected_version", "replace")
    class SetEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    SET_FIELD_NUMBER: _ClassVar[int]
    DELETE_KEYS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    REPLACE_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    agent_id: str
    set: _containers.ScalarMap[str, str]
    delete_keys: _containers.RepeatedScalarFieldContainer[str]
    expected_version: int
    replace: bool
    def __init__(self, namespace: _Optional[str] = ..., agent_id: _Optional[str] = ..., set: _Optional[_Mapping[str, str]] = ..., delete_keys: _Optional[_Iterable[str]] = ..., expected_version: _Optional[int] = ..., replace: bool = ...) -> None: ...

class PutStateResponse(_message.Message):
    __slots__ = ("version", "state", "ledger_seq")
    class StateEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LEDGER_SEQ_FIELD_NUMBER: _ClassVar[int]
    version: int
    state: _containers.ScalarMap[str, str]
    ledger_seq: int
    def __init__(self, version: _Optional[int] = ..., state: _Optional[_Mapping[str, str]] = ..., ledger_seq: _Optional[int] = ...) -> None: ...
