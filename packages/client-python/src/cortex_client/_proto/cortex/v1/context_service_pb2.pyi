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

class CompressionStrategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPRESSION_STRATEGY_UNSPECIFIED: _ClassVar[CompressionStrategy]
    COMPRESSION_STRATEGY_NONE: _ClassVar[CompressionStrategy]
    COMPRESSION_STRATEGY_DEDUPE: _ClassVar[CompressionStrategy]
    COMPRESSION_STRATEGY_EXTRACTIVE: _ClassVar[CompressionStrategy]
    COMPRESSION_STRATEGY_COMBINED: _ClassVar[CompressionStrategy]

class DropReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DROP_REASON_UNSPECIFIED: _ClassVar[DropReason]
    DROP_REASON_BUDGET: _ClassVar[DropReason]
    DROP_REASON_DUPLICATE: _ClassVar[DropReason]
    DROP_REASON_BELOW_THRESHOLD: _ClassVar[DropReason]
    DROP_REASON_IN_HISTORY: _ClassVar[DropReason]

class SummaryMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUMMARY_METHOD_UNSPECIFIED: _ClassVar[SummaryMethod]
    SUMMARY_METHOD_EXTRACTIVE: _ClassVar[SummaryMethod]
    SUMMARY_METHOD_LLM: _ClassVar[SummaryMethod]
COMPRESSION_STRATEGY_UNSPECIFIED: CompressionStrategy
COMPRESSION_STRATEGY_NONE: CompressionStrategy
COMPRESSION_STRATEGY_DEDUPE: CompressionStrategy
COMPRESSION_STRATEGY_EXTRACTIVE: CompressionStrategy
COMPRESSION_STRATEGY_COMBINED: CompressionStrategy
DROP_REASON_UNSPECIFIED: DropReason
DROP_REASON_BUDGET: DropReason
DROP_REASON_DUPLICATE: DropReason
DROP_REASON_BELOW_THRESHOLD: DropReason
DROP_REASON_IN_HISTORY: DropReason
SUMMARY_METHOD_UNSPECIFIED: SummaryMethod
SUMMARY_METHOD_EXTRACTIVE: SummaryMethod
SUMMARY_METHOD_LLM: SummaryMethod

class ConversationTurn(_message.Message):
    __slots__ = ("role", "content", "at")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    role: str
    content: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, role: _Optional[str] = ..., content: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BuildContextRequest(_message.Message):
    __slots__ = ("namespace", "agent_id", "query", "token_budget", "model", "reserve_tokens", "compression", "history", "candidate_count", "min_relevance", "dedupe_threshold", "filter", "disable_relevance_floor")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    TOKEN_BUDGET_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    RESERVE_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPRESSION_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    MIN_RELEVANCE_FIELD_NUMBER: _ClassVar[int]
    DEDUPE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    DISABLE_RELEVANCE_FLOOR_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    agent_id: str
    query: str
    token_budget: int
    model: str
    reserve_tokens: int
    compression: CompressionStrategy
    history: _containers.RepeatedCompositeFieldContainer[ConversationTurn]
    candidate_count: int
    min_relevance: float
    dedupe_threshold: float
    filter: _memory_pb2.MemoryFilter
    disable_relevance_floor: bool
    def __init__(self, namespace: _Optional[str] = ..., agent_id: _Optional[str] = ..., query: _Optional[str] = ..., token_budget: _Optional[int] = ..., model: _Optional[str] = ..., reserve_tokens: _Optional[int] = ..., compression: _Optional[_Union[CompressionStrategy, str]] = ..., history: _Optional[_Iterable[_Union[ConversationTurn, _Mapping]]] = ..., candidate_count: _Optional[int] = ..., min_relevance: _Optional[float] = ..., dedupe_threshold: _Optional[float] = ..., filter: _Optional[_Union[_memory_pb2.MemoryFilter, _Mapping]] = ..., disable_relevance_floor: bool = ...) -> None: ...

class ContextSection(_message.Message):
    __slots__ = ("memory_id", "tokens", "compressed", "score")
    MEMORY_ID_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPRESSED_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    memory_id: str
    tokens: int
    compressed: bool
    score: float
    def __init__(self, memory_id: _Optional[str] = ..., tokens: _Optional[int] = ..., compressed: bool = ..., score: _Optional[float] = ...) -> None: ...

class DroppedMemory(_message.Message):
    __slots__ = ("memory_id", "reason")
    MEMORY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    memory_id: str
    reason: DropReason
    def __init__(self, memory_id: _Optional[str] = ..., reason: _Optional[_Union[DropReason, str]] = ...) -> None: ...

class BuildContextResponse(_message.Message):
    __slots__ = ("text", "sections", "tokens_used", "token_budget", "dropped", "tokenizer", "token_count_estimated", "history_turns_verbatim", "history_turns_summarized", "budget_split", "summary", "relevance_floor")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    TOKENS_USED_FIELD_NUMBER: _ClassVar[int]
    TOKEN_BUDGET_FIELD_NUMBER: _ClassVar[int]
    DROPPED_FIELD_NUMBER: _ClassVar[int]
    TOKENIZER_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_ESTIMATED_FIELD_NUMBER: _ClassVar[int]
    HISTORY_TURNS_VERBATIM_FIELD_NUMBER: _ClassVar[int]
    HISTORY_TURNS_SUMMARIZED_FIELD_NUMBER: _ClassVar[int]
    BUDGET_SPLIT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    RELEVANCE_FLOOR_FIELD_NUMBER: _ClassVar[int]
    text: str
    sections: _containers.RepeatedCompositeFieldContainer[ContextSection]
    tokens_used: int
    token_budget: int
    dropped: _containers.RepeatedCompositeFieldContainer[DroppedMemory]
    tokenizer: str
    token_count_estimated: bool
    history_turns_verbatim: int
    history_turns_summarized: int
    budget_split: BudgetSplit
    summary: ConversationSummary
    relevance_floor: float
    def __init__(self, text: _Optional[str] = ..., sections: _Optional[_Iterable[_Union[ContextSection, _Mapping]]] = ..., tokens_used: _Optional[int] = ..., token_budget: _Optional[int] = ..., dropped: _Optional[_Iterable[_Union[DroppedMemory, _Mapping]]] = ..., tokenizer: _Optional[str] = ..., token_count_estimated: bool = ..., history_turns_verbatim: _Optional[int] = ..., history_turns_summarized: _Optional[int] = ..., budget_split: _Optional[_Union[BudgetSplit, _Mapping]] = ..., summary: _Optional[_Union[ConversationSummary, _Mapping]] = ..., relevance_floor: _Optional[float] = ...) -> None: ...

class BudgetSplit(_message.Message):
    __slots__ = ("memory_tokens", "history_tokens", "summary_tokens", "memory_share", "summary_need")
    MEMORY_TOKENS_FIELD_NUMBER: _ClassVar[int]
    HISTORY_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MEMORY_SHARE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_NEED_FIELD_NUMBER: _ClassVar[int]
    memory_tokens: int
    history_tokens: int
    summary_tokens: int
    memory_share: int
    summary_need: int
    def __init__(self, memory_tokens: _Optional[int] = ..., history_tokens: _Optional[int] = ..., summary_tokens: _Optional[int] = ..., memory_share: _Optional[int] = ..., summary_need: _Optional[int] = ...) -> None: ...

class ConversationSummary(_message.Message):
    __slots__ = ("first_turn", "last_turn", "method", "tokens", "sentences_quoted", "sentences_total", "turns_quoted", "fallback_reason")
    FIRST_TURN_FIELD_NUMBER: _ClassVar[int]
    LAST_TURN_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    SENTENCES_QUOTED_FIELD_NUMBER: _ClassVar[int]
    SENTENCES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    TURNS_QUOTED_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_REASON_FIELD_NUMBER: _ClassVar[int]
    first_turn: int
    last_turn: int
    method: SummaryMethod
    tokens: int
    sentences_quoted: int
    sentences_total: int
    turns_quoted: int
    fallback_reason: str
    def __init__(self, first_turn: _Optional[int] = ..., last_turn: _Optional[int] = ..., method: _Optional[_Union[SummaryMethod, str]] = ..., tokens: _Optional[int] = ..., sentences_quoted: _Optional[int] = ..., sentences_total: _Optional[int] = ..., turns_quoted: _Optional[int] = ..., fallback_reason: _Optional[str] = ...) -> None: ...

class CountTokensRequest(_message.Message):
    __slots__ = ("model", "texts")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TEXTS_FIELD_NUMBER: _ClassVar[int]
    model: str
    texts: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, model: _Optional[str] = ..., texts: _Optional[_Iterable[str]] = ...) -> None: ...

class CountTokensResponse(_message.Message):
    __slots__ = ("token_counts", "total_tokens", "tokenizer", "estimated")
    TOKEN_COUNTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOKENIZER_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_FIELD_NUMBER: _ClassVar[int]
    token_counts: _containers.RepeatedScalarFieldContainer[int]
    total_tokens: int
    tokenizer: str
    estimated: bool
    def __init__(self, token_counts: _Optional[_Iterable[int]] = ..., total_tokens: _Optional[int] = ..., tokenizer: _Optional[str] = ..., estimated: bool = ...) -> None: ...
