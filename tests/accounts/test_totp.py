"""RFC 6238 TOTP: the appendix B SHA-1 vectors, ±1 step of drift, no code accepted twice."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openblotter.accounts.totp import (
    STEP_SECONDS,
    check,
    code_at,
    code_for_step,
    new_secret,
    provisioning_uri,
    step_at,
)
from openblotter.errors import ConfigError

# RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890"
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_code_at__rfc_6238_appendix_b_sha1_vectors(unix_time: int, code: str) -> None:
    when = dt.datetime.fromtimestamp(unix_time, tz=dt.UTC)
    assert code_at(RFC_SECRET, when, digits=8) == code
    assert code_at(RFC_SECRET, when) == code[-6:]  # 6 digits: the same value mod 10**6
    assert check(RFC_SECRET, code, when, None, digits=8) == unix_time // 30


def test_new_secret__160_random_bits_in_base32() -> None:
    secrets_made = {new_secret() for _ in range(50)}
    assert len(secrets_made) == 50
    for secret in secrets_made:
        assert len(secret) == 32
        assert len(base64.b32decode(secret)) == 20


def test_code_for_step__accepts_lower_case_and_spaced_secrets() -> None:
    spaced = " ".join(RFC_SECRET[i : i + 4] for i in range(0, len(RFC_SECRET), 4)).lower()
    assert code_for_step(spaced, 1) == code_for_step(RFC_SECRET, 1)


def test_code_for_step__a_secret_that_is_not_base32_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="base32"):
        code_for_step("not base32 at all!", 1)


def test_check__one_step_of_drift_either_way_but_not_two() -> None:
    secret = new_secret()
    now = dt.datetime(2026, 11, 28, 12, 0, 15, tzinfo=dt.UTC)
    step = step_at(now)
    assert check(secret, code_for_step(secret, step - 1), now, None) == step - 1
    assert check(secret, code_for_step(secret, step + 1), now, None) == step + 1
    for far in (step - 2, step + 2):
        code = code_for_step(secret, far)
        if all(code != code_for_step(secret, s) for s in (step - 1, step, step + 1)):
            assert check(secret, code, now, None) is None


def test_check__a_used_step_is_never_accepted_again() -> None:
    secret = new_secret()
    now = dt.datetime(2026, 11, 28, 12, 0, 15, tzinfo=dt.UTC)
    code = code_at(secret, now)
    used = check(secret, code, now, None)
    assert used == step_at(now)
    assert check(secret, code, now, used) is None  # replay within the window
    later = now + dt.timedelta(seconds=STEP_SECONDS)
    assert check(secret, code, later, used) is None  # still inside the drift window
    # an earlier step's code is refused once a later step was used
    assert check(secret, code_for_step(secret, used - 1), now, used) is None
    assert check(secret, code_at(secret, later), later, used) == used + 1


@pytest.mark.parametrize(
    "typed", ["", "12345", "1234567", "12a456", "\uff11\uff12\uff13\uff14\uff15\uff16", "-12345"]
)
def test_check__malformed_codes_are_refused(typed: str) -> None:
    assert check(RFC_SECRET, typed, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), None) is None


def test_check__spaces_are_ignored() -> None:
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    code = code_at(RFC_SECRET, when)
    assert check(RFC_SECRET, f" {code[:3]} {code[3:]} ", when, None) == step_at(when)


@settings(max_examples=100, deadline=None)
@given(
    seed=st.binary(min_size=20, max_size=20),
    seconds=st.integers(min_value=0, max_value=2**33),
)
def test_check__accepts_its_own_code_exactly_once(seed: bytes, seconds: int) -> None:
    secret = base64.b32encode(seed).decode()
    when = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    code = code_at(secret, when)
    assert len(code) == 6
    assert code.isdigit()
    step = check(secret, code, when, None)
    assert step == seconds // STEP_SECONDS
    assert check(secret, code, when, step) is None


def test_provisioning_uri__what_authenticator_apps_read() -> None:
    secret = new_secret()
    uri = provisioning_uri(secret, "maria.lopez")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    assert unquote(parts.path) == "/OpenBlotter:maria.lopez"
    query = parse_qs(parts.query)
    assert query == {
        "secret": [secret],
        "issuer": ["OpenBlotter"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }
