from fractions import Fraction

import pytest

from api.quantity import (
    QuantityError,
    cpu_millis,
    format_bytes,
    format_millis,
    is_valid,
    parse_quantity,
    to_bytes,
    to_int,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0", Fraction(0)),
        ("1", Fraction(1)),
        ("+1", Fraction(1)),
        ("-1", Fraction(-1)),
        ("1.5", Fraction(3, 2)),
        ("1.", Fraction(1)),
        (".5", Fraction(1, 2)),
        ("007", Fraction(7)),
        ("100m", Fraction(1, 10)),
        ("250u", Fraction(1, 4000)),
        ("5n", Fraction(5, 10**9)),
        ("2k", Fraction(2000)),
        ("3M", Fraction(3 * 10**6)),
        ("1G", Fraction(10**9)),
        ("1T", Fraction(10**12)),
        ("1P", Fraction(10**15)),
        ("1E", Fraction(10**18)),
        ("1Ki", Fraction(1024)),
        ("128Mi", Fraction(128 * 2**20)),
        ("1.5Gi", Fraction(3 * 2**29)),
        ("1Ti", Fraction(2**40)),
        ("1Pi", Fraction(2**50)),
        ("1Ei", Fraction(2**60)),
        ("1e3", Fraction(1000)),
        ("1E3", Fraction(1000)),
        ("12E-1", Fraction(6, 5)),
        ("5e+2", Fraction(500)),
        ("-2e-3", Fraction(-1, 500)),
    ],
)
def test_quantity_strings_parse_to_exact_values(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    "number, expected",
    [(2, Fraction(2)), (0, Fraction(0)), (0.1, Fraction(1, 10)), (1.5, Fraction(3, 2)), (1e-05, Fraction(1, 100000))],
)
def test_numbers_from_yaml_are_accepted_exactly(number, expected):
    assert parse_quantity(number) == expected


def test_a_parsed_fraction_passes_through_unchanged():
    assert parse_quantity(Fraction(1, 3)) == Fraction(1, 3)


@pytest.mark.parametrize("text", ["100x", "", "1.2.3", "Mi", ".", "-", "+", " 1", "1 ", "1,5", "one", "1/2", "0x10", "Ki1"])
def test_malformed_quantity_is_rejected_with_the_kubernetes_pattern(text):
    with pytest.raises(QuantityError) as error:
        parse_quantity(text)
    message = str(error.value)
    assert f'invalid quantity "{text}"' in message
    assert "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" in message


@pytest.mark.parametrize("text, suffix", [("1K", "K"), ("1mi", "mi"), ("1Mii", "Mii"), ("1e", "e"), ("1E+", "E+"), ("2kk", "kk"), ("1Mi3", "Mi3")])
def test_unknown_suffix_is_named_with_the_valid_ones(text, suffix):
    with pytest.raises(QuantityError) as error:
        parse_quantity(text)
    message = str(error.value)
    assert f'invalid quantity "{text}": unknown suffix "{suffix}"' in message
    assert "Ki Mi Gi Ti Pi Ei" in message


def test_huge_exponent_is_rejected_instead_of_computed():
    with pytest.raises(QuantityError, match="exponent 999999999 is out of range"):
        parse_quantity("1e999999999")


def test_number_with_thousands_of_digits_is_rejected():
    with pytest.raises(QuantityError, match="too many digits"):
        parse_quantity("9" * 5000)


@pytest.mark.parametrize("value, type_name", [(True, "bool"), (None, "NoneType"), ([1], "list")])
def test_values_that_are_neither_strings_nor_numbers_are_rejected(value, type_name):
    with pytest.raises(QuantityError, match=f"not {type_name}"):
        parse_quantity(value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_floats_are_rejected(value):
    with pytest.raises(QuantityError, match="must be a finite number"):
        parse_quantity(value)


def test_quantity_error_is_a_value_error():
    assert issubclass(QuantityError, ValueError)


@pytest.mark.parametrize(
    "quantity, millis",
    [
        ("1", 1000),
        ("2", 2000),
        ("100m", 100),
        ("0.5", 500),
        ("1.5", 1500),
        ("250m", 250),
        ("0", 0),
        (1, 1000),
        (0.25, 250),
        ("1e-3", 1),
        ("1k", 1_000_000),
    ],
)
def test_cpu_converts_to_millicores(quantity, millis):
    assert cpu_millis(quantity) == millis


@pytest.mark.parametrize("quantity, millis", [("0.0001", 1), ("1n", 1), ("100.5m", 101), ("1500001u", 1501), (0.0001, 1)])
def test_quantity_rounds_cpu_up_to_a_millicore(quantity, millis):
    assert cpu_millis(quantity) == millis


def test_negative_cpu_rounds_away_from_zero():
    assert cpu_millis("-0.0001") == -1


@pytest.mark.parametrize(
    "quantity, size",
    [
        ("128Mi", 134_217_728),
        ("1Gi", 1_073_741_824),
        ("1G", 1_000_000_000),
        ("1.5Ki", 1536),
        ("512", 512),
        (4096, 4096),
        ("0.5", 1),
        ("100m", 1),
        ("1e3", 1000),
    ],
)
def test_memory_converts_to_bytes_rounding_up(quantity, size):
    assert to_bytes(quantity) == size


@pytest.mark.parametrize("quantity, count", [("110", 110), (110, 110), ("1k", 1000), ("2.5", 3), ("0", 0)])
def test_counts_convert_to_integers_rounding_up(quantity, count):
    assert to_int(quantity) == count


@pytest.mark.parametrize("converter", [cpu_millis, to_bytes, to_int])
def test_conversions_reject_malformed_quantities(converter):
    with pytest.raises(QuantityError):
        converter("lots")


@pytest.mark.parametrize(
    "millis, text",
    [(100, "100m"), (1500, "1500m"), (2000, "2"), (1000, "1"), (0, "0"), (1, "1m"), (-2000, "-2"), (-500, "-500m")],
)
def test_millicores_format_as_whole_cores_when_they_can(millis, text):
    assert format_millis(millis) == text


@pytest.mark.parametrize(
    "size, text",
    [
        (134_217_728, "128Mi"),
        (1_073_741_824, "1Gi"),
        (1536, "1536"),
        (1024, "1Ki"),
        (3 * 2**40, "3Ti"),
        (2**50, "1Pi"),
        (2**61, "2Ei"),
        (1_000_000, "1000000"),
        (1025, "1025"),
        (0, "0"),
        (-1024, "-1Ki"),
    ],
)
def test_bytes_format_with_the_largest_exact_binary_suffix(size, text):
    assert format_bytes(size) == text


@pytest.mark.parametrize("millis", [1, 100, 999, 1000, 1500, 64000])
def test_formatted_millicores_parse_back_to_the_same_value(millis):
    assert cpu_millis(format_millis(millis)) == millis


@pytest.mark.parametrize("size", [1, 1023, 1024, 1536, 128 * 2**20, 5 * 2**30, 2**60])
def test_formatted_bytes_parse_back_to_the_same_value(size):
    assert to_bytes(format_bytes(size)) == size


@pytest.mark.parametrize("text", ["1", "500m", "128Mi", "1e3", "12E-1", "-1", 2, 0.5])
def test_is_valid_accepts_quantities(text):
    assert is_valid(text)


@pytest.mark.parametrize("text", ["", "100x", "1.2.3", "Mi", "1K", None, True, float("nan")])
def test_is_valid_refuses_non_quantities(text):
    assert not is_valid(text)
