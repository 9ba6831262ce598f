from types import SimpleNamespace

import pytest

from api.selectors import (
    FieldRequirement,
    FieldSelector,
    LabelSelector,
    Requirement,
    SelectorError,
    escape_field_value,
    from_match,
    parse_field_selector,
    parse_label_selector,
)

WEB = {"app": "web", "tier": "frontend", "env": "prod"}


# Requirement semantics, operator by operator

@pytest.mark.parametrize(
    "operator, values, labels, expected",
    [
        ("=", ("web",), {"app": "web"}, True),
        ("=", ("web",), {"app": "db"}, False),
        ("=", ("web",), {}, False),
        ("==", ("web",), {"app": "web"}, True),
        ("==", ("web",), {"app": "db"}, False),
        ("==", ("web",), {}, False),
        ("!=", ("web",), {"app": "web"}, False),
        ("!=", ("web",), {"app": "db"}, True),
        ("in", ("web", "db"), {"app": "db"}, True),
        ("in", ("web", "db"), {"app": "cache"}, False),
        ("in", ("web", "db"), {}, False),
        ("notin", ("web", "db"), {"app": "db"}, False),
        ("notin", ("web", "db"), {"app": "cache"}, True),
        ("exists", (), {"app": ""}, True),
        ("exists", (), {"other": "x"}, False),
        ("!", (), {"app": "web"}, False),
        ("!", (), {"other": "x"}, True),
    ],
)
def test_requirement_matches_like_kubernetes(operator, values, labels, expected):
    assert Requirement("app", operator, values).matches(labels) is expected


def test_not_equals_matches_when_key_absent():
    assert Requirement("app", "!=", ("web",)).matches({"tier": "db"})


def test_notin_matches_when_key_absent():
    assert Requirement("env", "notin", ("dev",)).matches({"app": "web"})


def test_equality_against_empty_value_needs_the_key_present():
    requirement = Requirement("app", "=", ("",))
    assert requirement.matches({"app": ""})
    assert not requirement.matches({})


def test_set_values_are_sorted_and_deduplicated():
    assert Requirement("tier", "in", ("b", "a", "b")).values == ("a", "b")


def test_values_given_as_a_list_become_a_tuple():
    assert Requirement("tier", "in", ["a"]).values == ("a",)


@pytest.mark.parametrize(
    "operator, values, message",
    [
        ("~", ("a",), "unknown operator '~'"),
        ("In", ("a",), "unknown operator 'In'"),
        ("in", (), "operator 'in' needs at least one value"),
        ("notin", (), "operator 'notin' needs at least one value"),
        ("=", (), "operator '=' needs exactly one value"),
        ("==", ("a", "b"), "operator '==' needs exactly one value"),
        ("!=", (), "operator '!=' needs exactly one value"),
        ("exists", ("a",), "operator 'exists' takes no values"),
        ("!", ("a",), "operator '!' takes no values"),
        ("in", "abc", "must be a list of strings, not a string"),
        ("=", (3,), "label value 3 for key 'app' must be a string"),
    ],
)
def test_requirement_with_wrong_operator_or_values_is_refused(operator, values, message):
    with pytest.raises(SelectorError) as error:
        Requirement("app", operator, values)
    assert message in str(error.value)


def test_requirement_with_invalid_key_is_refused():
    with pytest.raises(SelectorError, match="invalid label key '-app': name part must consist"):
        Requirement("-app", "exists", ())


def test_requirement_with_invalid_value_is_refused():
    with pytest.raises(SelectorError, match="invalid label value 'a b' for key 'app'"):
        Requirement("app", "in", ("ok", "a b"))


def test_selector_error_is_a_value_error():
    assert issubclass(SelectorError, ValueError)


# LabelSelector

def test_empty_selector_matches_everything():
    selector = LabelSelector()
    assert selector.is_empty()
    assert selector.matches({})
    assert selector.matches(WEB)
    assert selector.matches(None)


def test_selector_requires_every_requirement():
    selector = LabelSelector((Requirement("app", "=", ("web",)), Requirement("env", "!=", ("prod",))))
    assert not selector.is_empty()
    assert not selector.matches(WEB)
    assert selector.matches({**WEB, "env": "dev"})


def test_selector_with_requirements_does_not_match_missing_labels():
    assert not LabelSelector((Requirement("app", "exists", ()),)).matches(None)


def test_selector_renders_in_canonical_form():
    selector = LabelSelector(
        (Requirement("app", "=", ("web",)), Requirement("tier", "in", ("b", "a")), Requirement("legacy", "!", ()))
    )
    assert str(selector) == "app=web,tier in (a,b),!legacy"


# parse_label_selector

@pytest.mark.parametrize(
    "text, requirements",
    [
        ("app=web", [("app", "=", ("web",))]),
        ("app==web", [("app", "==", ("web",))]),
        ("app!=web", [("app", "!=", ("web",))]),
        ("env in (prod, staging)", [("env", "in", ("prod", "staging"))]),
        ("env notin (dev)", [("env", "notin", ("dev",))]),
        ("gpu", [("gpu", "exists", ())]),
        ("!gpu", [("gpu", "!", ())]),
        ("app=", [("app", "=", ("",))]),
        ("app!=", [("app", "!=", ("",))]),
        ("env in ()", [("env", "in", ("",))]),
        ("env in (a,,b)", [("env", "in", ("", "a", "b"))]),
        ("env in (a,)", [("env", "in", ("", "a"))]),
        ("env in (,a)", [("env", "in", ("", "a"))]),
        ("x in (in, notin)", [("x", "in", ("in", "notin"))]),
        ("x=in", [("x", "=", ("in",))]),
        ("app.kubernetes.io/name=web", [("app.kubernetes.io/name", "=", ("web",))]),
        (
            "app=web,tier in (a,b),!legacy",
            [("app", "=", ("web",)), ("tier", "in", ("a", "b")), ("legacy", "!", ())],
        ),
        (
            "  app = web ,\tenv\nin(prod) , ! legacy , gpu ",
            [("app", "=", ("web",)), ("env", "in", ("prod",)), ("legacy", "!", ()), ("gpu", "exists", ())],
        ),
    ],
)
def test_label_selector_strings_parse_to_requirements(text, requirements):
    selector = parse_label_selector(text)
    assert selector.requirements == tuple(Requirement(*r) for r in requirements)


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_label_selector_string_selects_everything(text):
    selector = parse_label_selector(text)
    assert selector.is_empty()
    assert selector.matches(WEB)


@pytest.mark.parametrize(
    "text, labels, expected",
    [
        ("app=web", WEB, True),
        ("app=web,env=dev", WEB, False),
        ("app in (web,db),env!=dev", WEB, True),
        ("env notin (prod)", WEB, False),
        ("missing notin (prod)", WEB, True),
        ("missing!=prod", WEB, True),
        ("tier", WEB, True),
        ("!tier", WEB, False),
        ("!missing", WEB, True),
    ],
)
def test_parsed_label_selector_matches_labels(text, labels, expected):
    assert parse_label_selector(text).matches(labels) is expected


@pytest.mark.parametrize(
    "text",
    [
        "app=web",
        "app==web",
        "app!=web",
        "env in (prod,staging)",
        "env notin (dev)",
        "gpu",
        "!gpu",
        "app=",
        "env in (,a)",
        "app=web,tier in (a,b),!legacy",
        "example.com/role=worker,!example.com/drain",
    ],
)
def test_canonical_label_selector_round_trips_through_str(text):
    assert str(parse_label_selector(text)) == text
    assert parse_label_selector(str(parse_label_selector(text))) == parse_label_selector(text)


@pytest.mark.parametrize(
    "text, rendered",
    [
        (" app = web ", "app=web"),
        ("env in ( b , a , b )", "env in (a,b)"),
        ("env notin(x)", "env notin (x)"),
        ("a,  ! b", "a,!b"),
    ],
)
def test_label_selector_renders_in_canonical_form(text, rendered):
    assert str(parse_label_selector(text)) == rendered


@pytest.mark.parametrize(
    "text, message",
    [
        ("env in prod", "expected '(' after 'in', found 'prod' at position 7"),
        ("env notin dev", "expected '(' after 'notin', found 'dev' at position 10"),
        ("env in", "expected '(' after 'in', found end of string"),
        ("a=b,", "expected a label key or '!', found end of string"),
        (",a", "expected a label key or '!', found ',' at position 0"),
        ("=a", "expected a label key or '!', found '=' at position 0"),
        ("in=a", "expected a label key or '!', found keyword 'in' at position 0"),
        ("a b", "expected an operator (=, ==, !=, in, notin), ',' or end of string after 'a', found 'b' at position 2"),
        ("a>1", "after 'a', found '>' at position 1"),
        ("a(b)", "after 'a', found '(' at position 1"),
        ("a=b c", "expected ',' or end of string after 'a=b', found 'c' at position 4"),
        ("a in (x)y", "expected ',' or end of string after 'a in (x)', found 'y' at position 8"),
        ("!", "expected a label key after '!', found end of string"),
        ("!!a", "expected a label key after '!', found '!' at position 1"),
        ("!a=b", "expected ',' or end of string after '!a', found '=' at position 2"),
        ("a===b", "expected a value after '==', found '=' at position 3"),
        ("a=(b)", "expected a value after '=', found '(' at position 2"),
        ("a in (x y)", "expected ',' or ')' after 'x', found 'y' at position 8"),
        ("a in (x", "expected ',' or ')' after 'x', found end of string"),
        ("a in (", "expected a value, ',' or ')' in the list after 'in', found end of string"),
        ("a in ((", "expected a value, ',' or ')' in the list after 'in', found '(' at position 6"),
    ],
)
def test_label_selector_syntax_errors_say_what_was_expected_and_where(text, message):
    with pytest.raises(SelectorError) as error:
        parse_label_selector(text)
    assert str(error.value).startswith(f'invalid label selector "{text}": ')
    assert message in str(error.value)


def test_label_selector_error_names_the_bad_in_token():
    with pytest.raises(SelectorError) as error:
        parse_label_selector("env in prod")
    assert str(error.value).startswith("""invalid label selector "env in prod": expected '(' after 'in'""")


@pytest.mark.parametrize(
    "text, message",
    [
        ("a/b/c=x", "invalid label key 'a/b/c': a qualified name must consist"),
        ("-app=x", "invalid label key '-app': name part must consist"),
        ("Example.com/app", "invalid label key 'Example.com/app': prefix part a lowercase RFC 1123 subdomain"),
        ("!" + "k" * 64, "name part must be no more than 63 characters"),
        ("app=-web", "invalid label value '-web' for key 'app'"),
        ("app in (ok, bad/value)", "invalid label value 'bad/value' for key 'app'"),
        ("app=" + "v" * 64, "must be no more than 63 characters"),
    ],
)
def test_label_selector_reports_invalid_keys_and_values(text, message):
    with pytest.raises(SelectorError) as error:
        parse_label_selector(text)
    assert str(error.value).startswith(f'invalid label selector "{text}": ')
    assert message in str(error.value)


def test_label_selector_must_be_a_string():
    with pytest.raises(SelectorError, match="must be a string, not NoneType"):
        parse_label_selector(None)


# from_match (matchLabels / matchExpressions in manifests)

def test_match_labels_become_equality_requirements_in_key_order():
    selector = from_match({"tier": "web", "app": "shop"}, None)
    assert str(selector) == "app=shop,tier=web"
    assert selector.matches({"app": "shop", "tier": "web", "extra": "x"})
    assert not selector.matches({"app": "shop"})


@pytest.mark.parametrize(
    "expression, rendered",
    [
        ({"key": "env", "operator": "In", "values": ["prod", "staging"]}, "env in (prod,staging)"),
        ({"key": "env", "operator": "NotIn", "values": ["dev"]}, "env notin (dev)"),
        ({"key": "gpu", "operator": "Exists"}, "gpu"),
        ({"key": "gpu", "operator": "Exists", "values": []}, "gpu"),
        ({"key": "gpu", "operator": "DoesNotExist", "values": None}, "!gpu"),
    ],
)
def test_match_expressions_from_dicts_use_manifest_operator_names(expression, rendered):
    assert str(from_match(None, [expression])) == rendered


@pytest.mark.parametrize(
    "expression, rendered",
    [
        (SimpleNamespace(key="env", operator="In", values=["prod"]), "env in (prod)"),
        (SimpleNamespace(key="env", operator="NotIn", values=("a", "b")), "env notin (a,b)"),
        (SimpleNamespace(key="gpu", operator="Exists", values=[]), "gpu"),
        (SimpleNamespace(key="gpu", operator="DoesNotExist", values=[]), "!gpu"),
    ],
)
def test_match_expressions_from_message_objects_are_read_by_attribute(expression, rendered):
    assert str(from_match(None, [expression])) == rendered


def test_match_labels_and_expressions_are_all_required():
    selector = from_match({"app": "web"}, [{"key": "env", "operator": "NotIn", "values": ["dev"]}])
    assert str(selector) == "app=web,env notin (dev)"
    assert selector.matches({"app": "web"})
    assert not selector.matches({"app": "web", "env": "dev"})
    assert not selector.matches({"env": "prod"})


@pytest.mark.parametrize("match_labels, match_expressions", [(None, None), ({}, []), ({}, None)])
def test_empty_match_selects_everything(match_labels, match_expressions):
    selector = from_match(match_labels, match_expressions)
    assert selector.is_empty()
    assert selector.matches(WEB)


@pytest.mark.parametrize(
    "expression, message",
    [
        ({"key": "env", "operator": "Equals", "values": ["a"]}, "operator 'Equals' is not valid for key 'env'; "
                                                               "expected one of In, NotIn, Exists, DoesNotExist"),
        ({"key": "env", "operator": "in", "values": ["a"]}, "operator 'in' is not valid"),
        ({"key": "env"}, "operator None is not valid"),
        ({"key": "env", "operator": "In", "values": []}, "operator In needs at least one value (key 'env')"),
        ({"key": "env", "operator": "NotIn"}, "operator NotIn needs at least one value (key 'env')"),
        ({"key": "env", "operator": "Exists", "values": ["a"]}, "operator Exists takes no values (key 'env')"),
        ({"key": "env", "operator": "DoesNotExist", "values": ["a"]}, "operator DoesNotExist takes no values"),
        ({"key": "env", "operator": "In", "values": "prod"}, "must be a list of strings, not a string"),
        ({"operator": "Exists"}, "key is required"),
        (SimpleNamespace(key="", operator="Exists", values=[]), "key is required"),
        ({"key": "bad key", "operator": "Exists"}, "invalid label key 'bad key'"),
        ({"key": "env", "operator": "In", "values": ["ok", "not ok"]}, "invalid label value 'not ok' for key 'env'"),
        ({"key": "env", "operator": "In", "values": [1]}, "label value 1 for key 'env' must be a string"),
    ],
)
def test_bad_match_expression_is_refused_with_its_index(expression, message):
    expressions = [{"key": "ok", "operator": "Exists"}, expression]
    with pytest.raises(SelectorError) as error:
        from_match(None, expressions)
    assert str(error.value).startswith("invalid label selector in matchExpressions[1]: ")
    assert message in str(error.value)


@pytest.mark.parametrize(
    "match_labels, message",
    [
        ({"app": "not valid"}, "invalid label value 'not valid' for key 'app'"),
        ({"-app": "web"}, "invalid label key '-app'"),
        ({"version": 2}, "label value 2 for key 'version' must be a string"),
    ],
)
def test_bad_match_labels_are_refused(match_labels, message):
    with pytest.raises(SelectorError) as error:
        from_match(match_labels, None)
    assert str(error.value).startswith("invalid label selector in matchLabels: ")
    assert message in str(error.value)


# Field selectors

POD = {"metadata.name": "web-1", "metadata.namespace": "default", "spec.nodeName": "", "status.phase": "Running"}
POD_FIELDS = ["metadata.name", "metadata.namespace", "spec.nodeName", "status.phase"]


def get_pod_field(path):
    return POD.get(path, "")


@pytest.mark.parametrize(
    "operator, value, expected",
    [("=", "Running", True), ("==", "Running", True), ("!=", "Running", False),
     ("=", "Pending", False), ("==", "Pending", False), ("!=", "Pending", True)],
)
def test_field_requirement_compares_the_field_value(operator, value, expected):
    assert FieldRequirement("status.phase", operator, value).matches(get_pod_field) is expected


def test_unset_field_compares_as_empty_string():
    assert parse_field_selector("spec.nodeName=").matches(get_pod_field)
    assert not parse_field_selector("spec.nodeName!=").matches(get_pod_field)


@pytest.mark.parametrize(
    "operator, field, message",
    [("~", "status.phase", "unknown field selector operator '~'"), ("=", "", "missing field name before '='")],
)
def test_field_requirement_with_bad_parts_is_refused(operator, field, message):
    with pytest.raises(SelectorError, match=message):
        FieldRequirement(field, operator, "x")


@pytest.mark.parametrize(
    "text, requirements",
    [
        ("status.phase=Running", [("status.phase", "=", "Running")]),
        ("status.phase==Running", [("status.phase", "==", "Running")]),
        ("status.phase!=Running", [("status.phase", "!=", "Running")]),
        ("spec.nodeName=", [("spec.nodeName", "=", "")]),
        ("metadata.name=a\\=!b", [("metadata.name", "=", "a=!b")]),
        ("metadata.name=a\\,b", [("metadata.name", "=", "a,b")]),
        ("metadata.name=a\\\\b", [("metadata.name", "=", "a\\b")]),
        ("a=!b", [("a", "=", "!b")]),
        (
            "status.phase=Running, spec.nodeName != node-1 ,",
            [("status.phase", "=", "Running"), ("spec.nodeName", "!=", "node-1")],
        ),
        ("a=1,,b=2", [("a", "=", "1"), ("b", "=", "2")]),
    ],
)
def test_field_selector_strings_parse_to_requirements(text, requirements):
    selector = parse_field_selector(text)
    assert selector.requirements == tuple(FieldRequirement(*r) for r in requirements)


@pytest.mark.parametrize("text", ["", " ", ","])
def test_empty_field_selector_string_selects_everything(text):
    selector = parse_field_selector(text)
    assert selector.is_empty()
    assert selector.matches(get_pod_field)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("status.phase=Running", True),
        ("status.phase=Running,metadata.namespace=default", True),
        ("status.phase=Running,metadata.namespace!=default", False),
        ("metadata.name==web-2", False),
        ("status.phase!=Succeeded,status.phase!=Failed", True),
    ],
)
def test_parsed_field_selector_matches_objects(text, expected):
    assert parse_field_selector(text).matches(get_pod_field) is expected


@pytest.mark.parametrize(
    "text",
    ["status.phase=Running", "status.phase==Running", "spec.nodeName!=", "metadata.name=a\\,b\\=c\\\\d",
     "status.phase!=Succeeded,spec.nodeName=node-1"],
)
def test_field_selector_round_trips_through_str(text):
    assert str(parse_field_selector(text)) == text


@pytest.mark.parametrize("value", ["plain", "a,b", "a=b", "a\\b", "\\,=", ""])
def test_escaped_field_values_parse_back_unchanged(value):
    selector = FieldSelector((FieldRequirement("metadata.name", "=", value),))
    assert parse_field_selector(str(selector)) == selector


@pytest.mark.parametrize("value, escaped", [("a,b", "a\\,b"), ("a=b", "a\\=b"), ("a\\b", "a\\\\b"), ("a!b", "a!b")])
def test_field_values_escape_separators_and_backslashes(value, escaped):
    assert escape_field_value(value) == escaped


def test_field_selector_accepts_allowed_fields():
    selector = parse_field_selector("status.phase=Running,spec.nodeName=n1", allowed=POD_FIELDS)
    assert [r.field for r in selector.requirements] == ["status.phase", "spec.nodeName"]


def test_unknown_field_is_refused_in_kubernetes_words():
    with pytest.raises(SelectorError) as error:
        parse_field_selector("spec.foo=bar", allowed=reversed(POD_FIELDS))
    assert str(error.value) == "field label not supported: spec.foo"


@pytest.mark.parametrize(
    "text, message",
    [
        ("status.phase", "'status.phase' has no operator; expected field=value, field==value or field!=value"),
        ("a=1,b", "'b' has no operator"),
        ("=Running", "missing field name before '='"),
        ("a=b=c", "unescaped '=' in value 'b=c'; write it as '\\='"),
        ("a==b=c", "unescaped '=' in value 'b=c'"),
        ("a=b\\", "value 'b\\' ends in a lone '\\'"),
        ("a=b\\x", "invalid escape sequence '\\x' in value 'b\\x'"),
    ],
)
def test_field_selector_syntax_errors_say_what_is_wrong(text, message):
    with pytest.raises(SelectorError) as error:
        parse_field_selector(text)
    assert str(error.value).startswith(f'invalid field selector "{text}": ')
    assert message in str(error.value)


def test_field_selector_must_be_a_string():
    with pytest.raises(SelectorError, match="must be a string, not int"):
        parse_field_selector(3)
