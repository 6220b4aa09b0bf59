"""One module per azcmagent command; each handler takes a ``Context`` and returns a ``Result``."""
