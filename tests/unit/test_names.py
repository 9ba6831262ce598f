import pytest

from api import names

SUBDOMAIN_REGEX_ERROR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    r"validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_REGEX_ERROR = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name' or '123-abc', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035_REGEX_ERROR = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name' or 'abc-123', "
    "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
NAME_PART_REGEX_ERROR = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character (e.g. 'MyName' or 'my.name' or '123-abc', regex used for validation "
    "is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE_REGEX_ERROR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'MyValue' or 'my_value' or "
    "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
ENV_VAR_REGEX_ERROR = (
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', "
    "or '.', and must not start with a digit (e.g. 'my.env-name' or 'MY_ENV.NAME' or 'MyEnvName1', "
    "regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
)


# DNS-1123 subdomains (most object names)

@pytest.mark.parametrize("value", ["a", "web", "web-1", "example.com", "a.b-c.d", "0", "1-2", "a" * 253])
def test_dns1123_subdomain_accepts_valid_names(value):
    assert names.dns1123_subdomain(value) == []


@pytest.mark.parametrize(
    "value", ["", "Web", "-web", "web-", "web_1", "a..b", ".a", "a.", "web 1", "wéb", "a\n", "a.-b"]
)
def test_dns1123_subdomain_rejects_bad_characters_with_the_kubernetes_message(value):
    assert names.dns1123_subdomain(value) == [SUBDOMAIN_REGEX_ERROR]


def test_dns1123_subdomain_rejects_more_than_253_characters():
    assert names.dns1123_subdomain("a" * 254) == ["must be no more than 253 characters"]


def test_dns1123_subdomain_reports_length_and_characters_together():
    assert names.dns1123_subdomain("A" * 254) == ["must be no more than 253 characters", SUBDOMAIN_REGEX_ERROR]


# DNS-1123 labels (namespaces)

@pytest.mark.parametrize("value", ["a", "default", "kube-system", "123-abc", "0", "a" * 63])
def test_dns1123_label_accepts_valid_labels(value):
    assert names.dns1123_label(value) == []


@pytest.mark.parametrize("value", ["", "Default", "-a", "a-", "a_b", "a b", "a.."])
def test_dns1123_label_rejects_bad_characters_with_the_kubernetes_message(value):
    assert names.dns1123_label(value) == [LABEL_REGEX_ERROR]


@pytest.mark.parametrize("value", ["a.b", "example.com"])
def test_dns1123_label_says_dots_are_the_problem_for_a_valid_subdomain(value):
    assert names.dns1123_label(value) == ["must not contain dots"]


def test_dns1123_label_rejects_more_than_63_characters():
    assert names.dns1123_label("a" * 64) == ["must be no more than 63 characters"]


# DNS-1035 labels (service names)

@pytest.mark.parametrize("value", ["a", "web", "my-service", "abc-123", "a" * 63])
def test_dns1035_label_accepts_names_starting_with_a_letter(value):
    assert names.dns1035_label(value) == []


@pytest.mark.parametrize("value", ["", "1web", "123", "-web", "web-", "Web", "my.service", "my_service"])
def test_dns1035_label_rejects_bad_names_with_the_kubernetes_message(value):
    assert names.dns1035_label(value) == [DNS1035_REGEX_ERROR]


def test_dns1035_label_rejects_more_than_63_characters():
    assert names.dns1035_label("a" * 64) == ["must be no more than 63 characters"]


# Qualified names (label and annotation keys)

@pytest.mark.parametrize(
    "value",
    ["app", "App", "my.name", "my_name", "123-abc", "a" * 63, "example.com/MyName",
     "app.kubernetes.io/name", "skiff.io/node-role", ("a" * 253) + "/" + ("b" * 63)],
)
def test_qualified_name_accepts_keys_with_and_without_prefix(value):
    assert names.qualified_name(value) == []


@pytest.mark.parametrize("value", ["-app", "app-", "_app", "app.", "a b", "a:b", "é"])
def test_qualified_name_rejects_bad_name_part(value):
    assert names.qualified_name(value) == [NAME_PART_REGEX_ERROR]


def test_qualified_name_rejects_empty_name():
    assert names.qualified_name("") == ["name part must be non-empty", NAME_PART_REGEX_ERROR]


def test_qualified_name_rejects_empty_name_after_prefix():
    assert names.qualified_name("example.com/") == ["name part must be non-empty", NAME_PART_REGEX_ERROR]


def test_qualified_name_rejects_name_part_over_63_characters():
    assert names.qualified_name("a" * 64) == ["name part must be no more than 63 characters"]


def test_qualified_name_rejects_empty_prefix():
    assert names.qualified_name("/app") == ["prefix part must be non-empty"]


def test_qualified_name_rejects_prefix_that_is_not_a_subdomain():
    assert names.qualified_name("Example.com/app") == ["prefix part " + SUBDOMAIN_REGEX_ERROR]


def test_qualified_name_rejects_prefix_over_253_characters():
    assert names.qualified_name(("a" * 254) + "/app") == ["prefix part must be no more than 253 characters"]


def test_qualified_name_rejects_more_than_one_slash():
    errors = names.qualified_name("a/b/c")
    assert len(errors) == 1
    assert errors[0].startswith("a qualified name must consist of alphanumeric characters")
    assert errors[0].endswith("with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")


# Label values

@pytest.mark.parametrize("value", ["", "web", "MyValue", "my_value", "12345", "v1.2.3", "a-b", "a" * 63])
def test_label_value_accepts_empty_and_valid_values(value):
    assert names.label_value(value) == []


@pytest.mark.parametrize("value", ["-web", "web-", "_web", "a b", "a/b", "a:b", "é"])
def test_label_value_rejects_bad_characters_with_the_kubernetes_message(value):
    assert names.label_value(value) == [LABEL_VALUE_REGEX_ERROR]


def test_label_value_rejects_more_than_63_characters():
    assert names.label_value("a" * 64) == ["must be no more than 63 characters"]


# Ports

@pytest.mark.parametrize("value", [1, 80, 8080, 65535])
def test_port_number_accepts_1_to_65535(value):
    assert names.port_number(value) == []


@pytest.mark.parametrize("value", [0, -1, 65536, 100000])
def test_port_number_rejects_out_of_range(value):
    assert names.port_number(value) == ["must be between 1 and 65535, inclusive"]


@pytest.mark.parametrize("value", ["80", 80.0, None, True])
def test_port_number_rejects_non_integers(value):
    assert names.port_number(value) == [f"must be an integer between 1 and 65535, inclusive (got {value!r})"]


@pytest.mark.parametrize("value", ["http", "metrics", "grpc-web", "h2c", "a1", "a" * 15, "dns-tcp"])
def test_port_name_accepts_iana_service_names(value):
    assert names.port_name(value) == []


@pytest.mark.parametrize(
    "value, errors",
    [
        ("a" * 16, ["must be no more than 15 characters"]),
        ("HTTP", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                  "must contain at least one letter (a-z)"]),
        ("my_port", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"]),
        ("8080", ["must contain at least one letter (a-z)"]),
        ("grpc--web", ["must not contain consecutive hyphens"]),
        ("-http", ["must not begin or end with a hyphen"]),
        ("http-", ["must not begin or end with a hyphen"]),
        ("", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
              "must contain at least one letter (a-z)"]),
    ],
)
def test_port_name_reports_every_broken_rule(value, errors):
    assert names.port_name(value) == errors


# Environment variable names

@pytest.mark.parametrize("value", ["PATH", "my.env-name", "MY_ENV.NAME", "MyEnvName1", "_x", "-x", ".x", "a..b"])
def test_env_var_name_accepts_valid_names(value):
    assert names.env_var_name(value) == []


@pytest.mark.parametrize("value", ["", "1X", "MY VAR", "A=B", "é"])
def test_env_var_name_rejects_bad_characters_with_the_kubernetes_message(value):
    assert names.env_var_name(value) == [ENV_VAR_REGEX_ERROR]


@pytest.mark.parametrize(
    "value, error", [(".", "must not be '.'"), ("..", "must not be '..'"), ("..x", "must not start with '..'")]
)
def test_env_var_name_rejects_directory_names(value, error):
    assert names.env_var_name(value) == [error]


def test_generated_names_use_kubernetes_alphabet_of_five():
    from api.names import GENERATED_ALPHABET, generated_name
    made = {generated_name("web-") for _ in range(50)}
    assert all(n.startswith("web-") and len(n) == 9 for n in made)
    assert all(set(n[4:]) <= set(GENERATED_ALPHABET) for n in made)
    assert not set("aeiou013") & set(GENERATED_ALPHABET)
