"""monitor: watches tech news for a topic and alerts people once per story."""

__version__ = "0.1.0"
