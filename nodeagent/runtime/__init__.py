"""Container runtimes behind one interface: Docker for real nodes, a fake for hollow nodes and tests."""
