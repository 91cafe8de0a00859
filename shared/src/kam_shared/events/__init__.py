from kam_shared.events.catalog import EVENT_TYPES, Event, Topics, event_class
from kam_shared.events.envelope import Envelope, PoisonMessage, decode, encode

__all__ = ["EVENT_TYPES", "Envelope", "Event", "PoisonMessage", "Topics", "decode", "encode", "event_class"]
