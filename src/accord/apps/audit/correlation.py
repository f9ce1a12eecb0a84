"""The id of the request being served, carried by every audit entry it writes."""

from contextvars import ContextVar

# Outside a request (the CLI, the demo loader) entries carry "" unless a caller sets one.
correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")
