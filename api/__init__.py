"""skiff API types and the helpers every component shares: selectors, quantities, names."""
