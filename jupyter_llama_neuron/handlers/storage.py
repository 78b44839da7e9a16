"""``/storage``: what the server keeps on this machine's disk (sizes, users); deleting what nothing uses."""

from __future__ import annotations

from tornado import web

from .base import ApiHandler


class StorageHandler(ApiHandler):
    @web.authenticated
    async def get(self) -> None:
        self.send_json(await self.services.storage.list_items())


class StorageItemHandler(ApiHandler):
    @web.authenticated
    async def delete(self, kind: str, item_id: str) -> None:
        self.send_json(await self.services.storage.delete(kind, item_id))
