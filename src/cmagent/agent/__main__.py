"""``python -m cmagent.agent`` runs the azcmagent command line."""

from cmagent.agent.main import entry

entry()
