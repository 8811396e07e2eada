"""The broadcaster's bounded per-client queues."""

from __future__ import annotations

import asyncio

from hostwatch.hub.broadcaster import Broadcaster


def test_a_slow_subscriber_keeps_only_the_newest_updates() -> None:
    """Past its queue size, a subscriber drops its oldest updates and counts them."""

    async def scenario() -> tuple[list[int], int]:
        broadcaster = Broadcaster(queue_size=3)
        slow = broadcaster.subscribe()
        for host_id in range(10):
            broadcaster.publish(host_id)
        received = [await slow.next() for _ in range(3)]
        return received, slow.dropped

    received, dropped = asyncio.run(scenario())
    assert received == [7, 8, 9]
    assert dropped == 7


def test_subscribers_get_only_the_hosts_they_want_and_leave_cleanly() -> None:
    """A filtered subscription sees its host only; unsubscribing stops delivery."""

    async def scenario() -> tuple[int, int, int]:
        broadcaster = Broadcaster()
        mine = broadcaster.subscribe(lambda host_id: host_id == 2)
        everyone = broadcaster.subscribe()
        for host_id in (1, 2, 3):
            broadcaster.publish(host_id)
        first = await mine.next()
        broadcaster.unsubscribe(everyone)
        return first, len(broadcaster), mine._queue.qsize()

    first, count, left = asyncio.run(scenario())
    assert first == 2
    assert count == 1
    assert left == 0


def test_publish_never_waits_on_a_full_queue() -> None:
    """Publishing to a thousand stalled subscribers returns at once without growing their queues."""

    async def scenario() -> int:
        broadcaster = Broadcaster(queue_size=2)
        stalled = [broadcaster.subscribe() for _ in range(1000)]
        for host_id in range(50):
            broadcaster.publish(host_id)
        return max(s._queue.qsize() for s in stalled)

    assert asyncio.run(scenario()) == 2
