from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_READ: _ClassVar[Role]
    ROLE_WRITE: _ClassVar[Role]
    ROLE_ADMIN: _ClassVar[Role]

class EmptyNamespace(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EMPTY_NAMESPACE_UNSPECIFIED: _ClassVar[EmptyNamespace]
    EMPTY_NAMESPACE_CALLER_NAMESPACES: _ClassVar[EmptyNamespace]
    EMPTY_NAMESPACE_ADMIN: _ClassVar[EmptyNamespace]
ROLE_UNSPECIFIED: Role
ROLE_READ: Role
ROLE_WRITE: Role
ROLE_ADMIN: Role
EMPTY_NAMESPACE_UNSPECIFIED: EmptyNamespace
EMPTY_NAMESPACE_CALLER_NAMESPACES: EmptyNamespace
EMPTY_NAMESPACE_ADMIN: EmptyNamespace
IDEMPOTENT_WHEN_SET_FIELD_NUMBER: _ClassVar[int]
idempotent_when_set: _descriptor.FieldDescriptor
REQUIRED_ROLE_FIELD_NUMBER: _ClassVar[int]
required_role: _descriptor.FieldDescriptor
EMPTY_NAMESPACE_FIELD_NUMBER: _ClassVar[int]
empty_namespace: _descriptor.FieldDescriptor
