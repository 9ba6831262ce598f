"""The string `format`s a CRD schema may name and kube-apiserver checks (go-openapi's strfmt registry, as
Kubernetes' apiextensions uses it): one predicate per format. Unknown formats, and formats of numbers
(int32, int64, float, double), are not checked, as in Kubernetes."""
from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from datetime import date, datetime
from urllib.parse import urlsplit

_UUID = r"[0-9a-f]{8}-?[0-9a-f]{4}-?%s[0-9a-f]{3}-?%s[0-9a-f]{3}-?[0-9a-f]{12}"
_HOSTNAME_LABEL = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([Zz]|[+-]\d{2}:?\d{2})?$")
_DURATION = re.compile(r"^[-+]?(?:\d+(?:\.\d+)?\s*(?:ns|us|µs|ms|s|m|h|d|w)\s*)+$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
_MAC = re.compile(r"^[0-9a-fA-F]{2}(?:([:-])[0-9a-fA-F]{2})(?:\1[0-9a-fA-F]{2}){4}(?:(?:\1[0-9a-fA-F]{2}){2})?$")


def _uuid(version: str):
    pattern = re.compile("^" + (_UUID % (version or "[0-9a-f]", "[89ab]" if version else "[0-9a-f]")) + "$",
                         re.IGNORECASE)
    return lambda s: bool(pattern.match(s))


def _hostname(s: str) -> bool:
    return 0 < len(s) <= 255 and all(_HOSTNAME_LABEL.match(label) for label in s.rstrip(".").split("."))


def _ipv4(s: str) -> bool:
    try:
        ipaddress.IPv4Address(s)
    except ValueError:
        return False
    return True


def _ipv6(s: str) -> bool:
    try:
        ipaddress.IPv6Address(s)
    except ValueError:
        return ":" in s and _ipv4(s)  # Go's ParseIP takes both, and strfmt only asks for a colon
    return True


def _cidr(s: str) -> bool:
    try:
        ipaddress.ip_network(s, strict=False)
    except ValueError:
        return False
    return "/" in s


def _byte(s: str) -> bool:
    try:
        base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _date(s: str) -> bool:
    if not _DATE.match(s):
        return False
    try:
        date.fromisoformat(s)
    except ValueError:
        return False
    return True


def _date_time(s: str) -> bool:
    m = _DATE_TIME.match(s)
    if not m or not _date(m.group(1)):
        return False
    clock = m.group(2) if m.group(2).count(":") == 2 else m.group(2) + ":00"
    try:
        datetime.strptime(clock.split(".")[0], "%H:%M:%S")
    except ValueError:
        return False
    return True


def _uri(s: str) -> bool:
    # Go's url.ParseRequestURI: an absolute URI, or an absolute path
    parts = urlsplit(s)
    return bool(parts.scheme) or s.startswith("/")


CHECKS = {
    "byte": _byte, "date": _date, "date-time": _date_time, "datetime": _date_time, "uuid": _uuid(""),
    "uuid3": _uuid("3"), "uuid4": _uuid("4"), "uuid5": _uuid("5"), "hostname": _hostname, "ipv4": _ipv4,
    "ipv6": _ipv6, "cidr": _cidr, "email": lambda s: bool(_EMAIL.match(s)),
    "uri": _uri, "mac": lambda s: bool(_MAC.match(s)), "duration": lambda s: bool(_DURATION.match(s)),
    "bsonobjectid": lambda s: bool(re.fullmatch(r"[0-9a-fA-F]{24}", s)),
    "hexcolor": lambda s: bool(re.fullmatch(r"#?(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})", s)),
    "rgbcolor": lambda s: bool(re.fullmatch(r"rgb\(\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*\)", s)),
}


def valid(value: str, fmt: str) -> bool:
    """Whether `value` is of format `fmt`; True for a format Kubernetes does not check."""
    check = CHECKS.get(fmt)
    return check is None or check(value)
