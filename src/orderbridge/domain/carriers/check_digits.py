"""The check-digit rules of carrier tracking numbers, one function per rule.

Each function takes the characters the rule covers (never the check digit itself) and
returns the check digit or character the carrier would have printed. A number whose last
character differs was mistyped, or was never issued by that carrier.
"""

from __future__ import annotations

_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _next_ten(total: int) -> int:
    """What must be added to ``total`` to reach the next multiple of ten (0 when it is one)."""
    return (10 - total % 10) % 10


def ups_mod10(body: str) -> int:
    """UPS "modified mod 10" over the 15 characters between ``1Z`` and the check digit.

    A letter counts as ``(ASCII code - 3) mod 10`` (A=2, B=3 … H=9, I=0, J=1 …); then the
    characters in odd positions from the left count once, those in even positions twice,
    and the check digit tops the sum up to a multiple of ten. OnTrac runs the same rule
    over its leading C or D and the 13 digits after it.
    """
    total = 0
    for position, char in enumerate(body):
        value = int(char) if char.isdigit() else (ord(char) - 3) % 10
        total += value * (2 if position % 2 else 1)
    return _next_ten(total)


def gs1_mod10(digits: str) -> int:
    """GS1 mod 10 (the USPS IMpb, SSCC and FedEx Ground rule): weights 3, 1, 3, 1 …

    The weights start with 3 on the rightmost digit before the check digit; the check
    digit tops the weighted sum up to a multiple of ten.
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return _next_ten(total)


def gls_mod10(digits: str) -> int:
    """GLS parcel numbers: the GS1 weighted sum (3, 1 … from the right) plus one, mod 10.

    The added one is what tells a GLS check digit from a plain GS1 one over the same
    eleven digits.
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return _next_ten(total + 1)


def deutsche_post_mod10(digits: str) -> int:
    """Deutsche Post Identcode (12-digit DHL Paket numbers): weights 4, 9, 4, 9 … from the left.

    The check digit tops the weighted sum of the first eleven digits up to a multiple of ten.
    """
    total = sum(int(d) * (4 if i % 2 == 0 else 9) for i, d in enumerate(digits))
    return _next_ten(total)


def fedex_mod11(digits: str) -> int:
    """FedEx Express 12-digit numbers: weights 1, 3, 7 repeating from the right, mod 11.

    The remainder of the weighted sum divided by 11 is the check digit; a remainder of 10
    gives 0.
    """
    weights = (1, 3, 7)
    total = sum(int(d) * weights[i % 3] for i, d in enumerate(reversed(digits)))
    return total % 11 % 10


def dhl_express_mod7(digits: str) -> int:
    """DHL Express 10-digit waybills: the first nine digits, read as a number, modulo 7."""
    return int(digits) % 7


def s10_mod11(serial: str) -> int:
    """UPU S10 mod 11 over the eight serial digits, weighted 8, 6, 4, 2, 3, 5, 9, 7.

    The check digit is 11 minus the weighted sum modulo 11, where 10 becomes 0 and 11
    becomes 5.
    """
    total = sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def iso7064_mod37_36(chars: str) -> str:
    """ISO/IEC 7064 MOD 37,36 (the hybrid system DPD uses): one check character 0-9 or A-Z.

    Each character's value (0-9, then A=10 … Z=35) is added to a running product that
    starts at 36; the sum is reduced mod 36 (0 counting as 36), doubled and reduced
    mod 37. The check character makes the final product 1.
    """
    modulus = 36
    product = modulus
    for char in chars:
        total = (product + _ALPHANUMERIC.index(char)) % modulus or modulus
        product = total * 2 % (modulus + 1)
    return _ALPHANUMERIC[(modulus + 1 - product) % modulus]
