"""What an operator of Counterpart watches: health probes, metrics, structured logs.

- `health.py`: `/healthz` (the process answers) and `/readyz` (PostgreSQL and the channel
  layer answer in time), JSON naming each check.
- `metrics.py`: every Prometheus metric of the process, in one module, and `/metrics`, served
  only to the addresses of `COUNTERPART_METRICS_ALLOWED`.
- `middleware.py`: the probes and `/metrics` answered before any other middleware (no host
  check, no HTTPS redirect, no session, no second factor); the request id, the access log
  line and the HTTP metrics of every other request.
- `logs.py`: the JSON lines formatter and the context each line carries (request id, socket
  id, user id); never message content, names or e-mail addresses.
- `sockets.py`: the WebSocket side: socket id, sockets open, frames out by type, one log
  line per socket when it ends.
- the channel layers (`messaging/realtime/layers.py`) count their failed calls through
  `metrics.channel_layer_error`.

docs/operations.md describes them for the operator.
"""
