"""azcmagent: the Connected Machine agent's command line."""
