"""The Hybrid Identity Service (HIS): machine identity certificates and heartbeats."""
