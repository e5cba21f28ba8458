"""argon2id hashing (the production cost at least once) and the password policy (ASVS 6.2)."""

from __future__ import annotations

import string

import argon2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from openblotter.accounts import passwords
from openblotter.accounts.passwords import (
    DUMMY_HASH,
    PROFILE,
    check_password_policy,
    hash_password,
    needs_rehash,
    verify_dummy,
    verify_password,
)
from openblotter.errors import ConfigError, WeakPasswordError
from tests.conftest import CHEAP


def test_hash_password__is_argon2id_with_the_rfc_9106_low_memory_profile(
    production_argon2: None,
) -> None:
    hashed = hash_password("a long enough passphrase")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert argon2.extract_parameters(hashed) == PROFILE
    assert PROFILE == argon2.profiles.RFC_9106_LOW_MEMORY
    assert verify_password(hashed, "a long enough passphrase")
    assert not verify_password(hashed, "a long enough passphrasE")
    assert not needs_rehash(hashed)


def test_dummy_hash__costs_what_a_real_hash_costs(production_argon2: None) -> None:
    assert argon2.extract_parameters(DUMMY_HASH) == PROFILE
    verify_dummy("anything")  # does not raise, whatever is typed


def test_use_parameters__remakes_the_dummy_hash_with_the_same_cost() -> None:
    assert argon2.extract_parameters(passwords._STATE.dummy) == CHEAP
    passwords.use_parameters(None)
    assert passwords._STATE.dummy == DUMMY_HASH


def test_hash_password__salts_each_hash() -> None:
    first, second = hash_password("same password here"), hash_password("same password here")
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]  # the salts
    assert verify_password(first, "same password here")
    assert verify_password(second, "same password here")


def test_verify_password__a_malformed_hash_is_false_not_an_error() -> None:
    assert not verify_password("not a hash", "whatever")
    assert not verify_password("", "whatever")
    assert needs_rehash("not a hash")


def test_needs_rehash__a_hash_of_other_parameters(production_argon2: None) -> None:
    cheap = argon2.PasswordHasher.from_parameters(CHEAP).hash("some password")
    assert needs_rehash(cheap)
    assert verify_password(cheap, "some password")  # still verifies: its parameters are in it


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "shorter than 8"),
        ("7chars!", "shorter than 8"),
        ("x" * 129, "longer than 128"),
        ("maria.lopez", "contains the user name"),
        ("my-MARIA.LOPEZ-pass", "contains the user name"),
        ("password", "3,000 most common"),
        ("PassWord1", "3,000 most common"),
        ("iloveyou", "3,000 most common"),
        ("qwertyuiop", "3,000 most common"),
    ],
)
def test_check_password_policy__refuses_with_a_reason(password: str, reason: str) -> None:
    with pytest.raises(WeakPasswordError) as caught:
        check_password_policy(password, user_name="maria.lopez")
    assert reason in str(caught.value)
    assert caught.value.code == "weak-password"
    assert isinstance(caught.value, ConfigError)
    # the reasons are fixed sentences: the password is never repeated in them
    assert str(caught.value) in {
        "the password is shorter than 8 characters",
        "the password is longer than 128 characters",
        "the password contains the user name",
        "the password is among the 3,000 most common passwords",
    }


@pytest.mark.parametrize("password", ["8 chars!", "x" * 128, "correct horse battery staple"])
def test_check_password_policy__accepts(password: str) -> None:
    check_password_policy(password, user_name="maria.lopez")


def test_check_password_policy__the_list_ends_at_3000() -> None:
    ranked = list(FREQUENCY_LISTS["passwords"])
    inside = next(p for p in reversed(ranked[:3000]) if len(p) >= 8)
    earlier = {p.lower() for p in ranked[:3000]}
    outside = next(p for p in ranked[3000:] if len(p) >= 8 and p.lower() not in earlier)
    with pytest.raises(WeakPasswordError):
        check_password_policy(inside, user_name="someone")
    with pytest.raises(WeakPasswordError):
        check_password_policy(inside.upper(), user_name="someone")
    check_password_policy(outside, user_name="someone")


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=7))
def test_check_password_policy__anything_shorter_than_8_is_refused(password: str) -> None:
    with pytest.raises(WeakPasswordError, match="shorter"):
        check_password_policy(password, user_name="someone")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=string.ascii_letters + string.digits + " -_!?", min_size=20, max_size=128))
def test_check_password_policy__long_passwords_without_the_name_pass(password: str) -> None:
    # 20+ characters are never in the top-3000 list (its longest entries are shorter)
    assert max(len(p) for p in FREQUENCY_LISTS["passwords"][:3000]) < 20
    check_password_policy(password, user_name="zq.unlikely-name")
