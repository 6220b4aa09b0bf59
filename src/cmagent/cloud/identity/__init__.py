"""The Microsoft Entra ID-compatible identity service: discovery, keys, tokens, device login."""
