"""Validation of names, label keys and values, ports and env var names, as Kubernetes does it.
Each function returns a list of user-facing error strings, empty when the value is valid."""

from __future__ import annotations

import re

# The patterns and messages are Kubernetes' own (apimachinery/pkg/util/validation), so a manifest
# rejected by skiff is rejected by Kubernetes with the same words, and the other way round.

DNS1123_LABEL_FMT = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_MAX_LENGTH = 63
_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)

DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + r"(\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)

DNS1035_LABEL_FMT = r"[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_MAX_LENGTH = 63
_DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
    "start with an alphabetic character, and end with an alphanumeric character"
)

QUALIFIED_NAME_FMT = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_NAME_MAX_LENGTH = 63
_QUALIFIED_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)

LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
LABEL_VALUE_MAX_LENGTH = 63
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)

PORT_NAME_MAX_LENGTH = 15

ENV_VAR_NAME_FMT = r"[-._a-zA-Z][-._a-zA-Z0-9]*"
_ENV_VAR_NAME_MSG = (
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', "
    "or '.', and must not start with a digit"
)


def _matches(fmt: str, value: str) -> bool:
    # fullmatch, not match with '$': '$' would also accept a trailing newline.
    return re.fullmatch(fmt, value, flags=re.ASCII) is not None


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """Kubernetes' RegexError: the rule in words, some examples, then the regex itself."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{example}'" for example in examples)
    return f"{msg} (e.g. {shown}, regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def empty_error() -> str:
    return "must be non-empty"


def dns1123_subdomain(value: str) -> list[str]:
    """Names of most objects (pods, deployments, ...): dot-separated RFC 1123 labels, max 253."""
    errors = []
    if len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errors.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _matches(DNS1123_SUBDOMAIN_FMT, value):
        errors.append(regex_error(_DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errors


def dns1123_label(value: str) -> list[str]:
    """Names that become one DNS label (namespaces, node-local names), max 63."""
    errors = []
    if len(value) > DNS1123_LABEL_MAX_LENGTH:
        errors.append(max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if not _matches(DNS1123_LABEL_FMT, value):
        # A valid subdomain that is not a valid label can only be wrong because of its dots
        # (length was checked above), and saying so is clearer than repeating the regex.
        if _matches(DNS1123_SUBDOMAIN_FMT, value):
            errors.append("must not contain dots")
        else:
            errors.append(regex_error(_DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errors


def dns1035_label(value: str) -> list[str]:
    """Service names: a DNS label that starts with a letter, so it can never look like a number."""
    errors = []
    if len(value) > DNS1035_LABEL_MAX_LENGTH:
        errors.append(max_len_error(DNS1035_LABEL_MAX_LENGTH))
    if not _matches(DNS1035_LABEL_FMT, value):
        errors.append(regex_error(_DNS1035_LABEL_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errors


def qualified_name(value: str) -> list[str]:
    """Label and annotation keys: an optional DNS subdomain prefix and '/', then a name part."""
    errors = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errors.append("prefix part " + empty_error())
        else:
            errors.extend("prefix part " + msg for msg in dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + regex_error(_QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]

    if not name:
        errors.append("name part " + empty_error())
    elif len(name) > QUALIFIED_NAME_MAX_LENGTH:
        errors.append("name part " + max_len_error(QUALIFIED_NAME_MAX_LENGTH))
    if not _matches(QUALIFIED_NAME_FMT, name):
        errors.append(
            "name part "
            + regex_error(_QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errors


def label_value(value: str) -> list[str]:
    """Label values: like a qualified name's name part, but empty is allowed."""
    errors = []
    if len(value) > LABEL_VALUE_MAX_LENGTH:
        errors.append(max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _matches(LABEL_VALUE_FMT, value):
        errors.append(regex_error(_LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errors


def port_number(value: int) -> list[str]:
    """A TCP/UDP port: 0 means "unset" in the API, so it is not a valid port."""
    # bool is an int in Python; a manifest saying `port: true` is a mistake, not port 1.
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"must be an integer between 1 and 65535, inclusive (got {value!r})"]
    if 1 <= value <= 65535:
        return []
    return ["must be between 1 and 65535, inclusive"]


def port_name(value: str) -> list[str]:
    """Named ports (IANA_SVC_NAME): services refer to container ports by these names."""
    errors = []
    if len(value) > PORT_NAME_MAX_LENGTH:
        errors.append(max_len_error(PORT_NAME_MAX_LENGTH))
    if not _matches(r"[-a-z0-9]+", value):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    # At least one letter, so a port name can never be mistaken for a port number.
    if re.search(r"[a-z]", value) is None:
        errors.append("must contain at least one letter (a-z)")
    if "--" in value:
        errors.append("must not contain consecutive hyphens")
    if value.startswith("-") or value.endswith("-"):
        errors.append("must not begin or end with a hyphen")
    return errors


def env_var_name(value: str) -> list[str]:
    """Environment variable names in a container spec."""
    errors = []
    if not _matches(ENV_VAR_NAME_FMT, value):
        errors.append(
            regex_error(_ENV_VAR_NAME_MSG, ENV_VAR_NAME_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1")
        )
    # Kubernetes refuses these too: the same keys name files when a ConfigMap or Secret is
    # mounted, where '.' and '..' are directories.
    if value == ".":
        errors.append("must not be '.'")
    elif value == "..":
        errors.append("must not be '..'")
    elif value.startswith(".."):
        errors.append("must not start with '..'")
    return errors


# Kubernetes' utilrand alphabet: no vowels (no words by accident) and no 0, 1, 3 (no look-alikes)
GENERATED_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
GENERATED_SUFFIX_LENGTH = 5


def generated_name(prefix: str) -> str:
    """A name for `metadata.generateName`: the prefix and five characters, as Kubernetes makes them."""
    import secrets
    return prefix + "".join(secrets.choice(GENERATED_ALPHABET) for _ in range(GENERATED_SUFFIX_LENGTH))
