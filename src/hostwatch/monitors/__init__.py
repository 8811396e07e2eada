"""Service monitors: ICMP, TCP and HTTP probes (`probes`), their specs and results (`spec`), the
scheduler the hub and agents share (`runner`), and the hub's service that keeps every result and
its history (`service`, with its table in hub.sqlite in `table`)."""
