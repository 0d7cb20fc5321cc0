"""The Redis pub/sub channel layer, sending a batch of group messages in one round trip.

channels-redis sends each `group_send` as its own PUBLISH, one at a time per shard (a lock
serialises them, so `asyncio.gather` does not overlap them). A new message goes to 5-7 groups
(visitor, watching consoles, inbox groups, read mark), and under load several messages' batches
wait behind each other: `group_send_many` pipelines them instead, in order.

It reaches into channels-redis' per-loop layer and shard connection (checked against 4.3); if
those change, it falls back to one `group_send` per message, which is always correct.

A group message reaches this process once and is queued for each of its sockets in the group
as the same bytes; `deserialize` decodes it once for all of them (a team's inbox row reaches
every console of the team). Consumers read events and never change them.
"""

import logging
from collections import defaultdict, deque

from channels_redis.pubsub import RedisPubSubChannelLayer

logger = logging.getLogger("destek.realtime")


class PipelinedPubSubChannelLayer(RedisPubSubChannelLayer):
    # The last messages decoded, with their bytes (held, so that `is` cannot match a new object).
    DECODED_KEPT = 8

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._decoded = deque(maxlen=self.DECODED_KEPT)

    def deserialize(self, message):
        for raw, decoded in self._decoded:
            if raw is message:
                return decoded
        decoded = super().deserialize(message)
        self._decoded.append((message, decoded))
        return decoded

    async def group_send_many(self, messages: list[tuple[str, dict]]) -> None:
        try:
            layer = self._get_layer()
            by_shard = defaultdict(list)
            # One event often goes to several groups (an inbox row to the supervisors', the
            # team's and the assignee's): serialised once.
            payloads = {}
            for group, event in messages:
                channel = layer._get_group_channel_name(group)
                payload = payloads.get(id(event))
                if payload is None:
                    payload = payloads[id(event)] = self.serialize(event)
                by_shard[layer._get_shard(channel)].append((channel, payload))
            shards = [(shard, shard._lock, shard._ensure_redis) for shard in by_shard]
        except AttributeError:
            logger.warning("channels-redis internals changed; publishing one by one.")
            for group, event in messages:
                await self.group_send(group, event)
            return
        for shard, lock, ensure_redis in shards:
            async with lock:
                ensure_redis()
                async with shard._redis.pipeline(transaction=False) as pipe:
                    for channel, payload in by_shard[shard]:
                        pipe.publish(channel, payload)
                    await pipe.execute()
