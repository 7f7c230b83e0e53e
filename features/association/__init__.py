"""Matter association over applicant histories: rules, the matter graph, mined 一件事 bundles (§7.5)."""
