"""cmagent: an open Azure Connected Machine agent and the local cloud it talks to."""

__version__ = "0.1.0"
