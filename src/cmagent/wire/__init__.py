"""The agent's side of the wire: proxy and trust-store resolution, and (with onboarding) the
Entra, ARM and HIS clients. Never imports the agent's command layer or the cloud."""
