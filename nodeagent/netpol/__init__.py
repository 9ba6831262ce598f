"""NetworkPolicy enforcement on a node: which traffic each of its pods may send and receive (model), the
nftables table that says so (render), and the informers and syncs that keep it applied (enforcer)."""
