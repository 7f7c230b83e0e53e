"""Password hashing with Argon2id (argon2-cffi); hashes made with older parameters are upgraded on login."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # hashing megabytes of "password" is a denial-of-service lever

# Module level so tests (and operators tuning cost) can swap it; every function reads it at call time.
HASHER = PasswordHasher()

# Unknown users are checked against this hash so that a miss costs as much time as a wrong password.
_TIMING_PASSWORD = "timing-equaliser-not-a-password"
_timing_hashes: dict[tuple[int, int, int], str] = {}


class PasswordPolicyError(ValueError):
    """A password the policy refuses (too short or too long)."""


def check_password_policy(password: str) -> None:
    """Raise PasswordPolicyError unless the password has an acceptable length."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"password must be at least {MIN_PASSWORD_LENGTH} characters long")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"password must be at most {MAX_PASSWORD_LENGTH} characters long")


def hash_password(password: str) -> str:
    """Hash a password that passes the policy."""
    check_password_policy(password)
    return HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; a missing or corrupt hash never matches."""
    if not password_hash or len(password) > MAX_PASSWORD_LENGTH:
        burn_verification_time()
        return False
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than the current hasher's."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def burn_verification_time() -> None:
    """Spend the time a real verification takes, for attempts that have no hash to check."""
    key = (HASHER.time_cost, HASHER.memory_cost, HASHER.parallelism)
    if key not in _timing_hashes:
        _timing_hashes[key] = HASHER.hash(_TIMING_PASSWORD)
    try:
        HASHER.verify(_timing_hashes[key], _TIMING_PASSWORD + "x")
    except VerificationError:
        pass
