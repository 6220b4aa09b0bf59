"""cmagent-cloud: a local, persistent control plane for the agent (Entra ID, ARM, HIS).

It never imports the agent: server and client are independent implementations of the same
public protocols, so a bug on one side cannot hide one on the other.
"""
