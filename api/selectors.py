"""Label selectors ("app=web,tier in (a,b)") and field selectors ("status.phase=Running"):
parsing, matching and rendering back, with the semantics of Kubernetes' labels and fields."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from api import names


class SelectorError(ValueError):
    """A selector that cannot be parsed or built; the message says what and where."""


# ---------------------------------------------------------------------------------------------
# Label selectors
# ---------------------------------------------------------------------------------------------

EQUALS = "="
DOUBLE_EQUALS = "=="
NOT_EQUALS = "!="
IN = "in"
NOT_IN = "notin"
EXISTS = "exists"
DOES_NOT_EXIST = "!"

_ONE_VALUE = (EQUALS, DOUBLE_EQUALS, NOT_EQUALS)
_SET_OF_VALUES = (IN, NOT_IN)
_NO_VALUES = (EXISTS, DOES_NOT_EXIST)
OPERATORS = _ONE_VALUE + _SET_OF_VALUES + _NO_VALUES

# The operators that say what a label must NOT be: Kubernetes lets them match when the label is
# absent, so "env!=prod" selects every object that is not labelled env=prod.
_NEGATIVE = (NOT_EQUALS, NOT_IN)


@dataclass(frozen=True)
class Requirement:
    """One condition on one label key, e.g. `tier in (backend,cache)`."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.operator not in OPERATORS:
            raise SelectorError(
                f"unknown operator {self.operator!r} for key {self.key!r}; "
                f"expected one of {', '.join(OPERATORS)}"
            )
        if isinstance(self.values, str):
            # A string is iterable: "web" would silently become the values w, e and b.
            raise SelectorError(f"values for key {self.key!r} must be a list of strings, not a string")
        values = tuple(self.values)
        if self.operator in _SET_OF_VALUES:
            # A set: order and repeats carry no meaning, and sorting gives one canonical form.
            values = tuple(sorted(set(values), key=str))
            if not values:
                raise SelectorError(f"operator '{self.operator}' needs at least one value (key {self.key!r})")
        elif self.operator in _ONE_VALUE and len(values) != 1:
            raise SelectorError(
                f"operator '{self.operator}' needs exactly one value (key {self.key!r}, got {len(values)})"
            )
        elif self.operator in _NO_VALUES and values:
            raise SelectorError(f"operator '{self.operator}' takes no values (key {self.key!r})")
        object.__setattr__(self, "values", values)
        _check_label(self.key, values)

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.operator == EXISTS:
            return self.key in labels
        if self.operator == DOES_NOT_EXIST:
            return self.key not in labels
        if self.key not in labels:
            return self.operator in _NEGATIVE
        found = labels[self.key] in self.values
        return not found if self.operator in _NEGATIVE else found

    def __str__(self) -> str:
        if self.operator == EXISTS:
            return self.key
        if self.operator == DOES_NOT_EXIST:
            return "!" + self.key
        if self.operator in _ONE_VALUE:
            return f"{self.key}{self.operator}{self.values[0]}"
        return f"{self.key} {self.operator} ({','.join(self.values)})"


def _check_label(key: object, values: tuple[object, ...]) -> None:
    if not isinstance(key, str):
        raise SelectorError(f"label key {key!r} must be a string")
    errors = names.qualified_name(key)
    if errors:
        raise SelectorError(f"invalid label key {key!r}: " + "; ".join(errors))
    for value in values:
        if not isinstance(value, str):
            raise SelectorError(f"label value {value!r} for key {key!r} must be a string")
        errors = names.label_value(value)
        if errors:
            raise SelectorError(f"invalid label value {value!r} for key {key!r}: " + "; ".join(errors))


@dataclass(frozen=True)
class LabelSelector:
    """All requirements must hold (they are ANDed); no requirements selects everything."""

    requirements: tuple[Requirement, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "requirements", tuple(self.requirements))

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(requirement.matches(labels) for requirement in self.requirements)

    def is_empty(self) -> bool:
        return not self.requirements

    def __str__(self) -> str:
        return ",".join(str(requirement) for requirement in self.requirements)


# The lexer follows Kubernetes': whitespace separates tokens, these characters are tokens of
# their own, and everything else runs together into identifiers (validated afterwards).
_WHITESPACE = " \t\r\n"
_SYMBOLS = "=!(),<>"
_KEYWORDS = (IN, NOT_IN)
_END = "end"
_IDENTIFIER = "identifier"


@dataclass(frozen=True)
class _Token:
    kind: str  # _IDENTIFIER, _END, a keyword, or the symbol itself ("=", "==", "!=", "(", ...)
    text: str
    position: int

    def describe(self) -> str:
        if self.kind == _END:
            return "end of string"
        if self.kind in _KEYWORDS:
            return f"keyword '{self.text}' at position {self.position}"
        return f"'{self.text}' at position {self.position}"


def _tokenize(text: str) -> list[_Token]:
    tokens = []
    i = 0
    while i < len(text):
        if text[i] in _WHITESPACE:
            i += 1
        elif text[i:i + 2] in ("==", "!="):
            tokens.append(_Token(text[i:i + 2], text[i:i + 2], i))
            i += 2
        elif text[i] in _SYMBOLS:
            tokens.append(_Token(text[i], text[i], i))
            i += 1
        else:
            start = i
            while i < len(text) and text[i] not in _WHITESPACE and text[i] not in _SYMBOLS:
                i += 1
            word = text[start:i]
            tokens.append(_Token(word if word in _KEYWORDS else _IDENTIFIER, word, start))
    tokens.append(_Token(_END, "", len(text)))
    return tokens


class _LabelSelectorParser:
    """Recursive descent over the tokens:

    selector    := requirement (',' requirement)*
    requirement := '!' key | key | key ('=' | '==' | '!=') value | key ('in' | 'notin') '(' values ')'
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    def parse(self) -> LabelSelector:
        if self._peek().kind == _END:
            return LabelSelector()
        requirements = [self._requirement()]
        while (token := self._take()).kind != _END:
            if token.kind != ",":
                raise self._error(f"expected ',' or end of string after '{requirements[-1]}'", token)
            requirements.append(self._requirement())
        return LabelSelector(tuple(requirements))

    def _requirement(self) -> Requirement:
        token = self._take()
        if token.kind == "!":
            key = self._take()
            if key.kind != _IDENTIFIER:
                raise self._error("expected a label key after '!'", key)
            return self._build(key.text, DOES_NOT_EXIST, ())
        if token.kind != _IDENTIFIER:
            raise self._error("expected a label key or '!'", token)
        operator = self._peek()
        if operator.kind in (",", _END):
            return self._build(token.text, EXISTS, ())
        self._take()
        if operator.kind in _ONE_VALUE:
            return self._build(token.text, operator.kind, (self._exact_value(operator),))
        if operator.kind in _SET_OF_VALUES:
            return self._build(token.text, operator.kind, self._value_set(operator))
        raise self._error(
            f"expected an operator (=, ==, !=, in, notin), ',' or end of string after '{token.text}'",
            operator,
        )

    def _exact_value(self, operator: _Token) -> str:
        token = self._peek()
        # Nothing after the operator means the empty value: "tier=" selects tier="".
        if token.kind in (",", _END):
            return ""
        if token.kind not in (_IDENTIFIER,) + _KEYWORDS:
            raise self._error(f"expected a value after '{operator.text}'", token)
        return self._take().text

    def _value_set(self, operator: _Token) -> tuple[str, ...]:
        token = self._take()
        if token.kind != "(":
            raise self._error(f"expected '(' after '{operator.text}'", token)
        # As in Kubernetes, an empty entry ("()", "(a,)", "(a,,b)") stands for the empty value.
        values: list[str] = []
        expecting_value = True
        while True:
            token = self._take()
            if expecting_value and token.kind in (_IDENTIFIER,) + _KEYWORDS:
                values.append(token.text)
                expecting_value = False
            elif token.kind in (",", ")"):
                if expecting_value:
                    values.append("")
                if token.kind == ")":
                    return tuple(values)
                expecting_value = True
            elif expecting_value:
                raise self._error(f"expected a value, ',' or ')' in the list after '{operator.text}'", token)
            else:
                raise self._error(f"expected ',' or ')' after '{values[-1]}'", token)

    def _build(self, key: str, operator: str, values: tuple[str, ...]) -> Requirement:
        try:
            return Requirement(key, operator, values)
        except SelectorError as error:
            raise SelectorError(f'invalid label selector "{self.text}": {error}') from None

    def _peek(self) -> _Token:
        return self.tokens[self.index]

    def _take(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != _END:
            self.index += 1
        return token

    def _error(self, expected: str, found: _Token) -> SelectorError:
        return SelectorError(f'invalid label selector "{self.text}": {expected}, found {found.describe()}')


def parse_label_selector(text: str) -> LabelSelector:
    """The string form used by `skiff get -l` and in list requests; "" selects everything."""
    if not isinstance(text, str):
        raise SelectorError(f"a label selector must be a string, not {type(text).__name__}")
    return _LabelSelectorParser(text).parse()


# Manifests spell the operators differently from the string form.
_MANIFEST_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def from_match(
    match_labels: Mapping[str, str] | None,
    match_expressions: Iterable[Any] | None,
) -> LabelSelector:
    """The structured form of manifests (`matchLabels`, `matchExpressions`).

    Expressions may be dicts or objects with key/operator/values attributes (protobuf messages).
    A missing selector is the caller's business: for Kubernetes it selects nothing, not everything.
    """
    requirements = []
    # Sorted, because a protobuf map has no order and the same selector should print the same way.
    for key, value in sorted((match_labels or {}).items()):
        try:
            requirements.append(Requirement(key, EQUALS, (value,)))
        except SelectorError as error:
            raise SelectorError(f"invalid label selector in matchLabels: {error}") from None
    for index, expression in enumerate(match_expressions or ()):
        try:
            requirements.append(_from_expression(expression))
        except SelectorError as error:
            raise SelectorError(f"invalid label selector in matchExpressions[{index}]: {error}") from None
    return LabelSelector(tuple(requirements))


def of_spec(spec: Any) -> LabelSelector:
    """The selector of a workload's spec: a LabelSelector (matchLabels, matchExpressions), or the plain map
    of labels a ReplicationController carries (core/v1's older form, read as matchLabels)."""
    selector = spec.selector
    if hasattr(selector, "match_labels"):
        return from_match(selector.match_labels, selector.match_expressions)
    return from_match(selector, ())


def _from_expression(expression: Any) -> Requirement:
    def attribute(name: str) -> Any:
        if isinstance(expression, Mapping):
            return expression.get(name)
        return getattr(expression, name, None)

    key, operator, values = attribute("key"), attribute("operator"), attribute("values")
    if not key:
        raise SelectorError("key is required")
    if not isinstance(operator, str) or operator not in _MANIFEST_OPERATORS:
        raise SelectorError(
            f"operator {operator!r} is not valid for key {key!r}; "
            f"expected one of {', '.join(_MANIFEST_OPERATORS)}"
        )
    if isinstance(values, str):
        raise SelectorError(f"values for key {key!r} must be a list of strings, not a string")
    values = tuple(values or ())
    if operator in ("In", "NotIn") and not values:
        raise SelectorError(f"operator {operator} needs at least one value (key {key!r})")
    if operator in ("Exists", "DoesNotExist") and values:
        raise SelectorError(f"operator {operator} takes no values (key {key!r})")
    return Requirement(key, _MANIFEST_OPERATORS[operator], values)


# ---------------------------------------------------------------------------------------------
# Field selectors
# ---------------------------------------------------------------------------------------------

FIELD_OPERATORS = (NOT_EQUALS, DOUBLE_EQUALS, EQUALS)  # longest first: "a!=b" is not "a!" = "b"


@dataclass(frozen=True)
class FieldRequirement:
    """One condition on one field of an object, e.g. `spec.nodeName=node-1`."""

    field: str
    operator: str
    value: str

    def __post_init__(self) -> None:
        if self.operator not in FIELD_OPERATORS:
            raise SelectorError(
                f"unknown field selector operator {self.operator!r} for {self.field!r}; "
                "expected =, == or !="
            )
        if not self.field:
            raise SelectorError(f"missing field name before '{self.operator}'")

    def matches(self, get: Callable[[str], str]) -> bool:
        equal = get(self.field) == self.value
        return not equal if self.operator == NOT_EQUALS else equal

    def __str__(self) -> str:
        return f"{self.field}{self.operator}{escape_field_value(self.value)}"


@dataclass(frozen=True)
class FieldSelector:
    """All requirements must hold; no requirements selects everything."""

    requirements: tuple[FieldRequirement, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "requirements", tuple(self.requirements))

    def matches(self, get: Callable[[str], str]) -> bool:
        """`get(path)` returns the object's field as a string, "" when it is unset."""
        return all(requirement.matches(get) for requirement in self.requirements)

    def is_empty(self) -> bool:
        return not self.requirements

    def __str__(self) -> str:
        return ",".join(str(requirement) for requirement in self.requirements)


def escape_field_value(value: str) -> str:
    """Escape the characters that would otherwise end a term or start an operator."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def parse_field_selector(text: str, allowed: Iterable[str] | None = None) -> FieldSelector:
    """The string form used by `skiff get --field-selector`; "" selects everything.

    `allowed` names the fields the kind supports, so a typo is an error and not an empty list.
    """
    if not isinstance(text, str):
        raise SelectorError(f"a field selector must be a string, not {type(text).__name__}")
    supported = None if allowed is None else sorted(set(allowed))
    requirements = []
    for term in _split_terms(text):
        if not term.strip():
            continue  # Kubernetes skips empty terms, so "a=b," is fine
        try:
            requirement = _parse_term(term)
        except SelectorError as error:
            raise SelectorError(f'invalid field selector "{text}": {error}') from None
        if supported is not None and requirement.field not in supported:
            raise SelectorError(f"field label not supported: {requirement.field}")  # Kubernetes' words
        requirements.append(requirement)
    return FieldSelector(tuple(requirements))


def _split_terms(text: str) -> list[str]:
    # Commas separate terms unless escaped; a backslash escapes whatever follows it.
    terms, start, escaped = [], 0, False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _parse_term(term: str) -> FieldRequirement:
    # The first operator from the left wins, trying the longest one at each position.
    for i in range(len(term)):
        for operator in FIELD_OPERATORS:
            if term.startswith(operator, i):
                field = term[:i].strip()
                value = _unescape(term[i + len(operator):].strip())
                return FieldRequirement(field, operator, value)
    raise SelectorError(f"'{term.strip()}' has no operator; expected field=value, field==value or field!=value")


def _unescape(value: str) -> str:
    out = []
    i = 0
    while i < len(value):
        char = value[i]
        if char == "\\":
            escaped = value[i + 1:i + 2]
            if not escaped:
                raise SelectorError(f"value '{value}' ends in a lone '\\'; write a backslash as '\\\\'")
            if escaped not in ("\\", ",", "="):
                raise SelectorError(
                    f"invalid escape sequence '\\{escaped}' in value '{value}'; "
                    "only '\\\\', '\\,' and '\\=' are allowed"
                )
            out.append(escaped)
            i += 2
            continue
        if char in ",=":
            raise SelectorError(f"unescaped '{char}' in value '{value}'; write it as '\\{char}'")
        out.append(char)
        i += 1
    return "".join(out)
