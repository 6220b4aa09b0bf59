"""The ARM-compatible resource manager: subscriptions, resource groups, providers and
Microsoft.HybridCompute/machines, behind ARM's authentication, RBAC and throttling."""
