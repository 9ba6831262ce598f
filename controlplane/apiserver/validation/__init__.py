"""Kubernetes' validation rules, as libraries the kinds' strategies (controlplane/apiserver/resources/)
call: each lists every problem at once, one "field.path: message" line each, in Kubernetes' words.
"""
