"""Check digits of the identifiers the sources carry (UPC-A barcodes, Luhn account numbers)."""


def upc_check_digit(first11: str) -> int:
    """UPC-A: 3 x (sum of odd positions) + (sum of even positions); the check digit tops it up to a multiple of 10."""
    odd = sum(int(d) for d in first11[0::2])
    even = sum(int(d) for d in first11[1::2])
    return (10 - (3 * odd + even) % 10) % 10


def is_valid_upc(code: str) -> bool:
    return len(code) == 12 and code.isdigit() and upc_check_digit(code[:11]) == int(code[11])


def luhn_check_digit(payload: str) -> int:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:  # doubled positions counted from the right, the check digit excluded
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return (10 - total % 10) % 10


def is_valid_luhn(code: str) -> bool:
    return len(code) >= 2 and code.isdigit() and luhn_check_digit(code[:-1]) == int(code[-1])
