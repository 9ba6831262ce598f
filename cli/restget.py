"""`skiff get`'s fast path: the table is asked of the API server's Kubernetes REST API, which renders its
rows (a `Table`, as kubectl asks for), so a short command never loads gRPC, asyncio or protobuf.

It answers only where its output is the gRPC path's own: a table (default or `-o wide`) of one kind,
listed or named. Any other command line, and any answer but a 200 with a Table, returns None: the caller
then goes the usual way, which also words every error exactly as before.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import ssl
from typing import NamedTuple
from urllib.parse import quote, urlencode

from api.version import VERSION
from cli import kindnames, tables
from cli.context import Context

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"
CONNECT_TIMEOUT_S = 2.0  # an unreachable REST address costs this much before the gRPC path takes over


class Plan(NamedTuple):
    """The requests that answer a command line, and how to print their rows."""

    urls: tuple[str, ...]
    kind: kindnames.Resource
    namespace: str  # "" across every namespace or for a cluster-scoped kind
    all_namespaces: bool
    wide: bool
    headers: bool
    show_labels: bool
    label_columns: tuple[str, ...]


def plan(args: argparse.Namespace, namespace: str, kinds: dict) -> Plan | None:
    """The fast path's requests for `skiff get ...`, or None where only the gRPC path prints the same."""
    output = args.output
    if args.watch or args.sort_by or (output is not None and not output.is_table):
        return None
    word, *names = args.objects
    if "/" in word or "," in word or word.lower() == "all" or any("/" in n for n in names):
        return None
    kind = kindnames.lookup(kinds, word)
    if kind is None or kind.kind == "Event":  # events are sorted by time on the client
        return None
    if names and (args.all_namespaces or args.selector or args.field_selector):
        return None
    if args.all_namespaces or not kind.namespaced:
        namespace = ""
    collection = kind.path(namespace)
    if names:
        urls = tuple(f"{collection}/{quote(n, safe='')}" for n in names)
    else:
        query = {k: v for k, v in (("labelSelector", args.selector), ("fieldSelector", args.field_selector)) if v}
        urls = (f"{collection}?{urlencode(query)}" if query else collection,)
    keys = tuple(k for words in args.label_columns for k in words.split(",") if k)
    return Plan(urls, kind, namespace, args.all_namespaces and kind.namespaced,
                output is not None and output.format == "wide", not args.no_headers, args.show_labels, keys)


def lines(plan: Plan, answers: list[dict]) -> list[str]:
    """The table's lines from the server's Table answers, as cli.printers.Table prints the same objects."""
    definitions = answers[0].get("columnDefinitions") or []
    shown = [i for i, d in enumerate(definitions) if plan.wide or not d.get("priority")]
    header = [definitions[i]["name"].upper() for i in shown]
    header += [tables.label_header(k) for k in plan.label_columns] + (["LABELS"] if plan.show_labels else [])
    rows = [(["NAMESPACE"] if plan.all_namespaces else []) + header] if plan.headers else []
    for answer in answers:
        for row in answer.get("rows") or []:
            cells = row["cells"]
            metadata = (row.get("object") or {}).get("metadata") or {}
            labels = metadata.get("labels") or {}
            line = [_text(cells[i]) for i in shown]
            line += [labels.get(k, "") for k in plan.label_columns]
            line += [tables.labels_text(labels)] if plan.show_labels else []
            rows.append(([metadata.get("namespace", "")] if plan.all_namespaces else []) + line)
    return tables.render_rows(rows)


def _text(cell) -> str:
    return cell if isinstance(cell, str) else json.dumps(cell)


def warning_texts(values: list[str]) -> list[str]:
    """The texts of `Warning: 299 - "text"` headers (RFC 7234 warn-text, quotes escaped)."""
    texts = []
    for value in values:
        _, sep, quoted = value.partition(' "')
        if sep and quoted.endswith('"'):
            texts.append(quoted[:-1].replace('\\"', '"').replace("\\\\", "\\"))
    return texts


def get_table(ctx: Context, args: argparse.Namespace) -> int | None:
    """Print the table and return the exit code; None when the gRPC path must answer instead."""
    config = ctx.config
    if not config.rest_server or config.credentials is None or config.error:
        return None
    kinds_cache = os.path.join(os.path.dirname(config.cache_dir), "kinds.json") if config.cache_dir else None
    wanted = plan(args, ctx.namespace(args), kindnames.load(kinds_cache))
    if wanted is None:
        return None
    fetched = fetch(config, wanted.urls, ctx.timeout)
    if fetched is None:
        return None
    answers, warnings = fetched
    for text in warning_texts(warnings):
        ctx.server_warning(text)
    if not any(a.get("rows") for a in answers):
        where = f" in {wanted.namespace} namespace" if wanted.namespace else ""
        ctx.warn(f"No resources found{where}.")
        return 0
    for line in lines(wanted, answers):
        ctx.out(line)
    return 0


def fetch(config, urls: tuple[str, ...], timeout: float | None) -> tuple[list[dict], list[str]] | None:
    """The Table at each URL over one TLS connection, and the server's warnings; None on anything else."""
    credentials = config.credentials
    if credentials.impersonate:
        return None  # `--as`: served over gRPC, which sends the Impersonate-* metadata
    headers = {"Accept": f"{TABLE},application/json", "User-Agent": f"skiff/{VERSION}"}
    try:
        tls = ssl.create_default_context(cadata=credentials.ca_pem.decode())
        if credentials.cert_pem:
            from cli import config_cache
            pem = config_cache.private_file(config.cache_dir, config.path, "client.pem",
                                            credentials.cert_pem.rstrip(b"\n") + b"\n" + credentials.key_pem)
            if pem is None:
                return None  # ssl takes a client key only from a file, and there is nowhere private to put one
            tls.load_cert_chain(pem)
        if credentials.token:
            headers["Authorization"] = f"Bearer {credentials.token}"
        host, _, port = config.rest_server.rpartition(":")
        connection = http.client.HTTPSConnection(host.strip("[]"), int(port), timeout=CONNECT_TIMEOUT_S, context=tls)
        try:
            connection.connect()
            connection.sock.settimeout(timeout)
            answers, warnings = [], []
            for url in urls:
                connection.request("GET", url, headers=headers)
                response = connection.getresponse()
                body = response.read()
                if response.status != 200:
                    return None
                warnings += response.headers.get_all("Warning") or []
                answer = json.loads(body)
                if not isinstance(answer, dict) or answer.get("kind") != "Table":
                    return None
                answers.append(answer)
            return answers, warnings
        finally:
            connection.close()
    except (OSError, ValueError, http.client.HTTPException):  # ssl.SSLError and timeouts are OSErrors
        return None
