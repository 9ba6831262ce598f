"""The service proxy (kube-proxy's nftables mode): one nftables table per host, rendered from Services and
Endpoints by pure functions and written in one atomic `nft -f -` transaction per sync.
"""
