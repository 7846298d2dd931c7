"""Strict reading of feed XML elements: known children only, single values, trimmed text.

Amazon validates feeds against its XSDs, so an unknown or misspelt element is an error there;
here it is a 5000 result for the message, with the element's path in the description.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from xml.etree.ElementTree import Element

from orderbridge.sandbox.amazon.feed_results import INVALID_MESSAGE, MessageError


def check_children(element: Element, allowed: Collection[str], where: str) -> None:
    unknown = sorted({child.tag for child in element} - set(allowed))
    if unknown:
        raise MessageError(
            INVALID_MESSAGE,
            f"{where} has unexpected element(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))}.",
        )


def optional_text(element: Element, name: str, where: str) -> str | None:
    found = element.findall(name)
    if not found:
        return None
    if len(found) > 1:
        raise MessageError(INVALID_MESSAGE, f"{where}/{name} appears more than once.")
    text = (found[0].text or "").strip()
    if not text:
        raise MessageError(INVALID_MESSAGE, f"{where}/{name} is empty.")
    return text


def required_text(element: Element, name: str, where: str) -> str:
    text = optional_text(element, name, where)
    if text is None:
        raise MessageError(INVALID_MESSAGE, f"{where}/{name} is missing.")
    return text


def positive_int(text: str, where: str) -> int:
    if not re.fullmatch(r"[0-9]+", text) or int(text) < 1:
        raise MessageError(INVALID_MESSAGE, f"{where} must be a positive integer, not {text!r}.")
    return int(text)
