"""The skeleton every controller shares: shared informers, the rate-limited workqueue, expectations,
ownership claims and the worker loop that calls a controller's `sync(key)`.
"""
