"""Kubernetes resource quantities ("500m", "128Mi", "1e3"): parsing, unit conversion, formatting.
The one place that turns the strings in a pod's requests and limits into exact numbers."""

from __future__ import annotations

import functools
import math
import re
from fractions import Fraction

# Kubernetes' own summary of the syntax, quoted in errors so users can compare with its docs.
QUANTITY_PATTERN = r"^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"

BINARY_SUFFIXES = {
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "Pi": 2**50,
    "Ei": 2**60,
}

DECIMAL_SUFFIXES = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}

# Real quantities never need more; the bound keeps "1e999999999" from costing seconds of CPU.
MAX_EXPONENT = 100

_NUMBER_THEN_SUFFIX = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)", re.DOTALL)
_EXPONENT = re.compile(r"[eE]([+-]?[0-9]+)")


class QuantityError(ValueError):
    """A quantity that does not follow the Kubernetes syntax."""


def parse_quantity(text: str | int | float | Fraction) -> Fraction:
    """The exact value of a quantity. Numbers are accepted as they are, as YAML gives `cpu: 2`."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float, Fraction)):
        raise QuantityError(
            f"invalid quantity {text!r}: expected a string such as '500m' or '128Mi', "
            f"or a number, not {type(text).__name__}"
        )
    if isinstance(text, Fraction):
        return text
    if isinstance(text, int):
        return Fraction(text)
    if isinstance(text, float):
        if not math.isfinite(text):
            raise QuantityError(f"invalid quantity {text!r}: must be a finite number")
        # Through repr, so 0.1 means one tenth and not the nearest binary fraction to it.
        return Fraction(repr(text))
    return _parse_string(text)


# The same few strings ("100m", "64Mi") come in every pod: each is parsed once (a Fraction is immutable).
# Numbers of more than ~4,300 digits are refused, not kept, so the cache stays a few MB at worst.
@functools.lru_cache(maxsize=1024)
def _parse_string(text: str) -> Fraction:
    match = _NUMBER_THEN_SUFFIX.fullmatch(text)
    sign, whole, fraction, suffix = match.groups()
    fraction = fraction or ""
    # At least one digit: "Mi", "." and "-" name no number, and reading them as zero would
    # only hide a typo.
    if not (whole or fraction) or not re.fullmatch(r"[eEinumkKMGTP]*[-+]?[0-9]*", suffix):
        raise QuantityError(
            f'invalid quantity "{text}": quantities must match the regular expression '
            f"'{QUANTITY_PATTERN}' (e.g. '500m', '1.5', '128Mi', '2G', '1e3')"
        )
    try:
        # "12.34" is 1234 / 10**2: exact, where a float would already have rounded.
        value = Fraction(int(whole + fraction), 10 ** len(fraction))
    except ValueError:
        # Python refuses to convert integers of thousands of digits; so does any sane manifest.
        raise QuantityError(
            f'invalid quantity "{text[:20]}..." ({len(text)} characters): '
            "the number has too many digits"
        ) from None
    value *= _multiplier(text, suffix)
    return -value if sign == "-" else value


def _multiplier(text: str, suffix: str) -> Fraction:
    if suffix in BINARY_SUFFIXES:
        return Fraction(BINARY_SUFFIXES[suffix])
    if suffix in DECIMAL_SUFFIXES:
        return DECIMAL_SUFFIXES[suffix]
    # "E" alone is exa (checked above); "E3" or "e-2" is a decimal exponent.
    exponent = _EXPONENT.fullmatch(suffix)
    if exponent is None:
        raise QuantityError(
            f'invalid quantity "{text}": unknown suffix "{suffix}"; expected one of '
            "Ki Mi Gi Ti Pi Ei (binary), n u m k M G T P E (decimal), or an exponent such as e3"
        )
    power = int(exponent.group(1))
    if abs(power) > MAX_EXPONENT:
        raise QuantityError(
            f'invalid quantity "{text}": exponent {power} is out of range '
            f"(-{MAX_EXPONENT} to {MAX_EXPONENT})"
        )
    return Fraction(10) ** power


def is_valid(text: str | int | float) -> bool:
    """Whether `text` is a quantity Kubernetes would accept."""
    try:
        parse_quantity(text)
    except QuantityError:
        return False
    return True


def _round_up(value: Fraction) -> int:
    # Kubernetes rounds away from zero when it drops precision, so a tiny request never
    # becomes a request for nothing.
    return math.ceil(value) if value >= 0 else math.floor(value)


def cpu_millis(q: str | int | float | Fraction) -> int:
    """CPU in millicores: "0.5" -> 500, "0.0001" -> 1 (rounded up, as Kubernetes does)."""
    return _round_up(parse_quantity(q) * 1000)


def to_bytes(q: str | int | float | Fraction) -> int:
    """Memory or storage in bytes: "128Mi" -> 134217728, rounded up."""
    return _round_up(parse_quantity(q))


def to_int(q: str | int | float | Fraction) -> int:
    """Counts such as a node's pod capacity ("110"), rounded up."""
    return _round_up(parse_quantity(q))


def format_millis(m: int) -> str:
    """The CPU form a user would write: 2000 -> "2", 1500 -> "1500m"."""
    if m % 1000 == 0:
        return str(m // 1000)
    return f"{m}m"


def format_bytes(n: int) -> str:
    """The memory form a user would write: the largest binary suffix that divides exactly."""
    for suffix, size in sorted(BINARY_SUFFIXES.items(), key=lambda item: -item[1]):
        if n != 0 and n % size == 0:
            return f"{n // size}{suffix}"
    return str(n)


_DECIMAL_BY_EXPONENT = {-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}


def canonical(text: str | int | float) -> str:
    """The form Kubernetes prints a quantity in (Quantity.String()): "1.5Gi" -> "1536Mi", "0.5" -> "500m",
    "2000" -> "2k". Binary suffixes stay binary for whole values of at least 1Ki; anything else is decimal,
    rounded up to nano units, with the largest suffix that keeps the number whole."""
    value = parse_quantity(text)
    binary = isinstance(text, str) and any(text.endswith(s) for s in BINARY_SUFFIXES)
    if binary and value.denominator == 1 and abs(value) >= 1024:
        return format_bytes(int(value))
    nanos = _round_up(value * 10**9)
    if nanos == 0:
        return "0"
    exponent = -9
    while exponent < 18 and nanos % 1000 == 0:
        nanos //= 1000
        exponent += 3
    return f"{nanos}{_DECIMAL_BY_EXPONENT[exponent]}"
