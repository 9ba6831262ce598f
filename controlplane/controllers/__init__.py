"""The controllers of skiff-controller-manager, each a `sync(key)` over one shared informer/workqueue core.

`core/` holds that skeleton; every other module or package is one controller.
"""
