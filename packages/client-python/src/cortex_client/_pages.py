"""All-pages iterators for the paged RPCs (ListMemories, GetEntries): iterate for the items,
`pages()` for the responses with their `next_page_token`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Pages(Iterator[T], Generic[T]):
    """Fetches pages lazily, one request per page, from `page_token` on."""

    def __init__(self, fetch: Callable[[str], Any], items: str, page_token: str = "") -> None:
        self._fetch = fetch
        self._items = items
        self._page_token = page_token
        self._iterator: Iterator[T] | None = None

    def pages(self) -> Iterator[Any]:
        token = self._page_token
        while True:
            page = self._fetch(token)
            yield page
            token = page.next_page_token
            if not token:
                return

    def __next__(self) -> T:
        if self._iterator is None:
            self._iterator = (item for page in self.pages() for item in getattr(page, self._items))
        return next(self._iterator)


class AsyncPages(AsyncIterator[T], Generic[T]):
    """`Pages` for the asyncio client: `async for item in ...`, `async for page in ....pages()`."""

    def __init__(self, fetch: Callable[[str], Awaitable[Any]], items: str, page_token: str = "") -> None:
        self._fetch = fetch
        self._items = items
        self._page_token = page_token
        self._iterator: AsyncIterator[T] | None = None

    async def pages(self) -> AsyncIterator[Any]:
        token = self._page_token
        while True:
            page = await self._fetch(token)
            yield page
            token = page.next_page_token
            if not token:
                return

    async def _all(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in getattr(page, self._items):
                yield item

    async def __anext__(self) -> T:
        if self._iterator is None:
            self._iterator = self._all()
        return await self._iterator.__anext__()
