"""Constant-time comparison of a digest the server made with one a client sent."""

from __future__ import annotations

import hmac


def digests_match(expected: str, candidate: str) -> bool:
    """True when they are equal; any text a client sends (non-ASCII too) is just a mismatch."""
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), candidate.encode("utf-8", "surrogatepass")
    )
