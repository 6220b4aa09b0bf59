"""himds: the machine's local agent service — the connection's heartbeat, the identity
certificate's renewal, the CLI's status channel and (later) the local metadata and token service.
"""
