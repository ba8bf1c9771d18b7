"""Password policy and hashing (Werkzeug hashes; a shipped list of common passwords)."""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
MAX_LENGTH = 256

# Checked against when no account matches, so an unknown user costs the same hash as a
# wrong password and answer times do not reveal which usernames exist.
_DUMMY_HASH = generate_password_hash("journal-timing-equaliser")


@cache
def common_passwords() -> frozenset[str]:
    """The 20,000 most common passwords (Django's list, shipped as package data)."""
    data = resources.files("journal").joinpath("data/common-passwords.txt.gz").read_bytes()
    lines = gzip.decompress(data).decode("utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problems(password: str, username: str = "") -> list[str]:
    """Every rule the password breaks, as messages for the person choosing it."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    problems = []
    if password.lower() in common_passwords():
        problems.append("This password is too common; choose one that is hard to guess.")
    if username and password.lower() == username.lower():
        problems.append("The password must not be your username.")
    return problems


def hash_password(password: str) -> str:
    """A Werkzeug hash of the password (the only form in which it is stored)."""
    return generate_password_hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; with no hash, spends the same time and says no."""
    if password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)
