"""The network lab: real network conditions on one machine (namespaces, routes, firewall,
hosts files, squid, mitmproxy) around the real agent and the local cloud, and the seed
document's failures as named scenarios. Needs root. Drives the agent and the cloud as processes.
"""
