"""Customer keys: a keyed hash that links one customer across channels without keeping the number."""

from __future__ import annotations

import hashlib
import hmac
import re

from pydantic import SecretStr


def normalise_identity(value: str) -> str:
    """Phone numbers to bare national digits, e-mails to lower case, anything else trimmed."""
    value = value.strip()
    if "@" in value:
        return "email:" + value.lower()
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 7 and len(digits) >= len(re.sub(r"[\s\-+().]", "", value)):
        # drop the country code so "+86 138…" and "138…", "+1 415…" and "(415)…" are one customer
        for code in ("0086", "+86", "001", "+1"):
            if value.startswith(code):
                digits = digits[len(code.lstrip("+")) :]
                break
        else:
            if digits.startswith("86") and len(digits) == 13:
                digits = digits[2:]
        return "phone:" + digits
    return "id:" + value.lower()


def customer_key(value: str | None, secret: SecretStr) -> str | None:
    if not value or not value.strip():
        return None
    mac = hmac.new(secret.get_secret_value().encode(), normalise_identity(value).encode(), hashlib.sha256)
    return mac.hexdigest()[:32]
