"""apiextensions.k8s.io/v1 CustomResourceDefinitions and the custom resources they define: JSON objects,
validated against their openAPIV3Schema, stored in etcd and served over the REST API for kubectl.
"""
