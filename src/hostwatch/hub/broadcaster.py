"""Fans host updates out to live subscribers through bounded per-client queues."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Subscription:
    """One subscriber's queue of updated host ids.

    The queue is bounded: when a slow client falls `size` updates behind, the
    oldest is dropped, so it never delays the others nor grows memory. Since an
    update names a host whose latest state is read on delivery, a dropped update
    only means a skipped frame, never stale data.
    """

    def __init__(self, size: int, wanted: Callable[[int], bool]) -> None:
        self._queue: asyncio.Queue[int] = asyncio.Queue(maxsize=size)
        self._wanted = wanted
        self.dropped = 0

    def offer(self, host_id: int) -> None:
        """Queue an update without ever waiting."""
        if not self._wanted(host_id):
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(host_id)

    async def next(self) -> int:
        """Wait for the next updated host id."""
        return await self._queue.get()


class Broadcaster:
    """The set of live subscriptions; `publish` is called on the event loop."""

    def __init__(self, queue_size: int = 8) -> None:
        self._queue_size = queue_size
        self._subscriptions: set[Subscription] = set()

    def __len__(self) -> int:
        return len(self._subscriptions)

    def subscribe(self, wanted: Callable[[int], bool] = lambda _id: True) -> Subscription:
        """A new subscription to the updates of the hosts `wanted` accepts."""
        subscription = Subscription(self._queue_size, wanted)
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop delivering to `subscription`."""
        self._subscriptions.discard(subscription)

    def publish(self, host_id: int) -> None:
        """Tell every subscriber that `host_id` has a new state."""
        for subscription in self._subscriptions:
            subscription.offer(host_id)
