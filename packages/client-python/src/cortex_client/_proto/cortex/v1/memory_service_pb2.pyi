import datetime

from cortex_client._proto.cortex.v1 import memory_pb2 as _memory_pb2
from cortex_client._proto.cortex.v1 import options_pb2 as _options_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RememberOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REMEMBER_OUTCOME_UNSPECIFIED: _ClassVar[RememberOutcome]
    REMEMBER_OUTCOME_CREATED: _ClassVar[RememberOutcome]
    REMEMBER_OUTCOME_UPDATED: _ClassVar[RememberOutcome]
    REMEMBER_OUTCOME_UNCHANGED: _ClassVar[RememberOutcome]

class RecallMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECALL_MODE_UNSPECIFIED: _ClassVar[RecallMode]
    RECALL_MODE_VECTOR: _ClassVar[RecallMode]
    RECALL_MODE_KEYWORD: _ClassVar[RecallMode]
    RECALL_MODE_HYBRID: _ClassVar[RecallMode]
REMEMBER_OUTCOME_UNSPECIFIED: RememberOutcome
REMEMBER_OUTCOME_CREATED: RememberOutcome
REMEMBER_OUTCOME_UPDATED: RememberOutcome
REMEMBER_OUTCOME_UNCHANGED: RememberOutcome
RECALL_MODE_UNSPECIFIED: RecallMode
RECALL_MODE_VECTOR: RecallMode
RECALL_MODE_KEYWORD: RecallMode
RECALL_MODE_HYBRID: RecallMode

class MemoryInput(_message.Message):
    __slots__ = ("id", "agent_id", "content", "kind", "tags", "metadata", "importance", "expires_at", "pinned", "thread_id", "occurred_at", "embedding")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IMPORTANCE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    PINNED_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent_id: str
    content: str
    kind: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    metadata: _containers.ScalarMap[str, str]
    importance: float
    expires_at: _timestamp_pb2.Timestamp
    pinned: bool
    thread_id: str
    occurred_at: _timestamp_pb2.Timestamp
    embedding: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, id: _Optional[str] = ..., agent_id: _Optional[str] = ..., content: _Optional[str] = ..., kind: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., importance: _Optional[float] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pinned: bool = ..., thread_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., embedding: _Optional[_Iterable[float]] = ...) -> None: ...

class RememberRequest(_message.Message):
    __slots__ = ("namespace", "memories")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    MEMORIES_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    memories: _containers.RepeatedCompositeFieldContainer[MemoryInput]
    def __init__(self, namespace: _Optional[str] = ..., memories: _Optional[_Iterable[_Union[MemoryInput, _Mapping]]] = ...) -> None: ...

class RememberResult(_message.Message):
    __slots__ = ("memory", "outcome")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    outcome: RememberOutcome
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ..., outcome: _Optional[_Union[RememberOutcome, str]] = ...) -> None: ...

class RememberResponse(_message.Message):
    __slots__ = ("results", "ledger_seq")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    LEDGER_SEQ_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[RememberResult]
    ledger_seq: int
    def __init__(self, results: _Optional[_Iterable[_Union[RememberResult, _Mapping]]] = ..., ledger_seq: _Optional[int] = ...) -> None: ...

class RecallRequest(_message.Message):
    __slots__ = ("namespace", "query", "top_k", "mode", "filter", "min_score")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    query: str
    top_k: int
    mode: RecallMode
    filter: _memory_pb2.MemoryFilter
    min_score: float
    def __init__(self, namespace: _Optional[str] = ..., query: _Optional[str] = ..., top_k: _Optional[int] = ..., mode: _Optional[_Union[RecallMode, str]] = ..., filter: _Optional[_Union[_memory_pb2.MemoryFilter, _Mapping]] = ..., min_score: _Optional[float] = ...) -> None: ...

class RecallHit(_message.Message):
    __slots__ = ("memory", "score", "vector_score", "keyword_score", "vector_rank", "keyword_rank")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    VECTOR_SCORE_FIELD_NUMBER: _ClassVar[int]
    KEYWORD_SCORE_FIELD_NUMBER: _ClassVar[int]
    VECTOR_RANK_FIELD_NUMBER: _ClassVar[int]
    KEYWORD_RANK_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    score: float
    vector_score: float
    keyword_score: float
    vector_rank: int
    keyword_rank: int
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ..., score: _Optional[float] = ..., vector_score: _Optional[float] = ..., keyword_score: _Optional[float] = ..., vector_rank: _Optional[int] = ..., keyword_rank: _Optional[int] = ...) -> None: ...

class RecallResponse(_message.Message):
    __slots__ = ("hits", "mode")
    HITS_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[RecallHit]
    mode: RecallMode
    def __init__(self, hits: _Optional[_Iterable[_Union[RecallHit, _Mapping]]] = ..., mode: _Optional[_Union[RecallMode, str]] = ...) -> None: ...

class GetMemoryRequest(_message.Message):
    __slots__ = ("namespace", "id")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    id: str
    def __init__(self, namespace: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class GetMemoryResponse(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ...) -> None: ...

class ListMemoriesRequest(_message.Message):
    __slots__ = ("namespace", "page_size", "page_token", "filter")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    page_size: int
    page_token: str
    filter: _memory_pb2.MemoryFilter
    def __init__(self, namespace: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[_Union[_memory_pb2.MemoryFilter, _Mapping]] = ...) -> None: ...

class ListMemoriesResponse(_message.Message):
    __slots__ = ("memories", "next_page_token")
    MEMORIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    memories: _containers.RepeatedCompositeFieldContainer[_memory_pb2.Memory]
    next_page_token: str
    def __init__(self, memories: _Optional[_Iterable[_Union[_memory_pb2.Memory, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ForgetRequest(_message.Message):
    __slots__ = ("namespace", "ids", "filter")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    ids: _containers.RepeatedScalarFieldContainer[str]
    filter: _memory_pb2.MemoryFilter
    def __init__(self, namespace: _Optional[str] = ..., ids: _Optional[_Iterable[str]] = ..., filter: _Optional[_Union[_memory_pb2.MemoryFilter, _Mapping]] = ...) -> None: ...

class ForgetResponse(_message.Message):
    __slots__ = ("forgotten_count", "forgotten_ids", "ledger_seq")
    FORGOTTEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    FORGOTTEN_IDS_FIELD_NUMBER: _ClassVar[int]
    LEDGER_SEQ_FIELD_NUMBER: _ClassVar[int]
    forgotten_count: int
    forgotten_ids: _containers.RepeatedScalarFieldContainer[str]
    ledger_seq: int
    def __init__(self, forgotten_count: _Optional[int] = ..., forgotten_ids: _Optional[_Iterable[str]] = ..., ledger_seq: _Optional[int] = ...) -> None: ...

class RunMaintenanceRequest(_message.Message):
    __slots__ = ("namespace", "dry_run", "as_of")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    dry_run: bool
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, namespace: _Optional[str] = ..., dry_run: bool = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RunMaintenanceResponse(_message.Message):
    __slots__ = ("promoted_count", "demoted_count", "archived_count", "expired_count", "reembedded_count")
    PROMOTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    DEMOTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REEMBEDDED_COUNT_FIELD_NUMBER: _ClassVar[int]
    promoted_count: int
    demoted_count: int
    archived_count: int
    expired_count: int
    reembedded_count: int
    def __init__(self, promoted_count: _Optional[int] = ..., demoted_count: _Optional[int] = ..., archived_count: _Optional[int] = ..., expired_count: _Optional[int] = ..., reembedded_count: _Optional[int] = ...) -> None: ...
