"""A tiny authoritative DNS server on a UDP loopback port: answers A queries for one name with
the given addresses, and everything else with no records. Enough for a `dns://127.0.0.1:PORT/`
target, whose resolver asks it instead of the system's."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Sequence

_TYPE_A = 1
_CLASS_IN = 1


class DnsServer:
    def __init__(self, name: str, addresses: Sequence[str]) -> None:
        self.name = name.lower().rstrip(".")
        self.addresses = list(addresses)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> DnsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._socket.close()

    def _serve(self) -> None:
        while True:
            try:
                query, client = self._socket.recvfrom(512)
            except OSError:
                return
            answer = self._answer(query)
            if answer:
                self._socket.sendto(answer, client)

    def _answer(self, query: bytes) -> bytes:
        if len(query) < 12:
            return b""
        (ident,) = struct.unpack("!H", query[:2])
        labels, offset = [], 12
        while offset < len(query) and query[offset] != 0:
            length = query[offset]
            labels.append(query[offset + 1 : offset + 1 + length].decode("ascii", "replace"))
            offset += 1 + length
        question_end = offset + 5
        qtype, _ = struct.unpack("!HH", query[offset + 1 : question_end])
        question = query[12:question_end]
        records = []
        if ".".join(labels).lower() == self.name and qtype == _TYPE_A:
            for address in self.addresses:
                # Name as a pointer to the question (offset 12), TTL 1 s, 4 bytes of address.
                records.append(struct.pack("!HHHIH", 0xC00C, _TYPE_A, _CLASS_IN, 1, 4) + socket.inet_aton(address))
        header = struct.pack("!HHHHHH", ident, 0x8400, 1, len(records), 0, 0)  # Response, authoritative.
        return header + question + b"".join(records)
