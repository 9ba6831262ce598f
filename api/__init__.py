"""skiff API types and the helpers every component shares: selectors, quantities, names."""
import os

# gRPC's fork handlers run in every child our programs fork to exec a tool (nginx -t, nft) while a watch
# is open, and there they can abort the child before exec ("Check failed: next_worker->state == KICKED",
# SIGABRT): a failed `nginx -t` cost an Ingress change a 1 s retry. Nothing of ours uses gRPC in a forked
# child, so the handlers are switched off; gRPC reads this when it is first imported, which is after `api`.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
