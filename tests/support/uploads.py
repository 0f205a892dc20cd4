"""Uploads for the knowledge library's tests, without a web request around them."""

import io


class BytesSource:
    """An upload held in memory, read like FastAPI's UploadFile."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    async def read(self, size: int = -1) -> bytes:
        return self._data.read(size)

    async def seek(self, offset: int) -> int:
        return self._data.seek(offset)
