"""User accounts: creation, passwords, log-in checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from learning.models import Notification, Role, TraineeCategory, TraineeProfile, User
from learning.services import ServiceError, audit, notifications, passwords, throttle

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
PHONE_PATTERN = re.compile(r"^1\d{10}$")  # a mainland mobile number
MAX_REASON = 500  # characters of an admin's reason for lifting a login lock


@dataclass(frozen=True)
class ProfileData:
    real_name: str
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    employer: str | None = None
    category: int = int(TraineeCategory.INDIVIDUAL)


def personal_details(
    username: str, display_name: str, profile: ProfileData | TraineeProfile | None
) -> passwords.PersonalDetails:
    """What a password of this person must not be built from (`passwords.check`)."""
    return passwords.PersonalDetails(
        username=username,
        real_name=profile.real_name if profile else display_name,
        phone=(profile.phone if profile else None) or "",
        id_number=(profile.id_number if profile else None) or "",
        email=(profile.email if profile else None) or "",
    )


def check_username(session: Session, username: str, *, exclude_user_id: int | None = None) -> None:
    if not USERNAME_PATTERN.match(username):
        raise ServiceError("username_invalid")
    statement = select(User.id).where(func.lower(User.username) == username.lower())
    existing = session.scalar(statement)
    if existing is not None and existing != exclude_user_id:
        raise ServiceError("username_taken", username=username)


def id_number_known(session: Session, id_number: str) -> bool:
    """Whether any account holds this (normalised) ID-card number: an applicant's too, since
    every application belongs to an account with a profile."""
    found = select(TraineeProfile.user_id).where(TraineeProfile.id_number == id_number)
    return session.scalar(found) is not None


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str,
    now: datetime,
    hash_method: str = "scrypt",
    profile: ProfileData | None = None,
    actor_id: int | None = None,
) -> User:
    check_username(session, username)
    passwords.check(password, personal_details(username, display_name, profile))
    return _new_user(
        session,
        username=username,
        password_hash=generate_password_hash(password, method=hash_method),
        role=role,
        display_name=display_name,
        now=now,
        profile=profile,
        actor_id=actor_id,
    )


def create_user_with_hash(
    session: Session,
    *,
    username: str,
    password_hash: str,
    role: Role,
    display_name: str,
    now: datetime,
    profile: ProfileData | None = None,
    actor_id: int | None = None,
) -> User:
    """`create_user` with a password hashed beforehand, which is NOT checked against the
    password rules: only for the demo's seeding, whose password everybody knows anyway.
    Every other way to an account goes through `create_user`."""
    check_username(session, username)
    return _new_user(
        session,
        username=username,
        password_hash=password_hash,
        role=role,
        display_name=display_name,
        now=now,
        profile=profile,
        actor_id=actor_id,
    )


def _new_user(
    session: Session,
    *,
    username: str,
    password_hash: str,
    role: Role,
    display_name: str,
    now: datetime,
    profile: ProfileData | None,
    actor_id: int | None,
) -> User:
    id_number = profile.id_number if profile and role == Role.TRAINEE else None
    if id_number and id_number_known(session, id_number):
        raise ServiceError("id_number_known")
    user = User(
        username=username,
        password_hash=password_hash,
        role=role.value,
        display_name=display_name.strip() or username,
        created_at=now,
    )
    if role == Role.TRAINEE:
        data = profile or ProfileData(real_name=user.display_name)
        user.profile = TraineeProfile(
            real_name=data.real_name,
            id_number=data.id_number,
            phone=data.phone,
            email=data.email,
            employer=data.employer,
            category=data.category,
        )
    _insert(session, user, id_number)
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="user.create",
        subject=f"user:{user.id}",
        details={"username": username, "role": role.value},
    )
    return user


def _insert(session: Session, user: User, id_number: str | None) -> None:
    """Add the user; the same ID number registered at the same moment by another request is
    refused by the unique index, and said so like the one found before."""
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        if id_number and id_number_known(session, id_number):
            raise ServiceError("id_number_known") from None
        raise


def _find(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


@cache
def _dummy_hash(hash_method: str) -> str:
    """Compared against when the username is unknown: a hash of the method the accounts' own
    passwords are hashed with, so both failures take the same time."""
    return generate_password_hash("not a real password", method=hash_method)


def _password_matches(user: User | None, password: str, hash_method: str) -> bool:
    """Whether `user` exists and has this password (the same work when it does not exist)."""
    if user is None:
        check_password_hash(_dummy_hash(hash_method), password)
        return False
    return check_password_hash(user.password_hash, password)


def authenticate(
    session: Session, username: str, password: str, *, hash_method: str = "scrypt"
) -> User | None:
    """The user with these credentials, or None (same work whether or not it exists, when the
    passwords are hashed by `hash_method`)."""
    user = _find(session, username)
    return user if _password_matches(user, password, hash_method) else None


@dataclass(frozen=True)
class LoginLimits:
    per_pair: throttle.Limit
    per_account: throttle.Limit
    accounts_per_address: throttle.Limit
    known_device: throttle.Slowdown


@dataclass(frozen=True)
class SignedIn:
    user: User
    failures_since_last_login: int  # wrong passwords given for the account since its last login


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    address: str,
    device: str | None,
    limits: LoginLimits,
    now_ms: int,
    hash_method: str = "scrypt",
) -> SignedIn | None:
    """`authenticate`, counting wrong passwords so that guessing goes no faster than the limits
    while nobody can lock another person out.

    `device` names the browser when it holds a device cookie for this account (given at an
    earlier login: OWASP's "slow down online guessing attacks with device cookies"). A known
    device's failures count against that device alone and only slow it down (a wait that
    grows to a few minutes, never a lock): the holder on their usual browser always gets in,
    whatever strangers do. A guesser who stole the cookie is slowed the same.

    Every other client is counted per account and address pair (`per_pair`): a stranger's
    wrong passwords make the stranger's address wait, not the holder's. Many failures on one
    account from all addresses (`per_account`) mean it is under attack from many addresses:
    then clients without a device cookie wait, and the holder is told (`login_attacked`).

    An address is not refused for failures as such: a training body's office or classroom
    behind one NAT makes many honest typing errors, and the old 30 per address locked them all
    out. It is refused only when it failed on `accounts_per_address` *distinct* accounts within
    the window, which is what spraying one password over many accounts looks like and what a
    room of people mistyping does not reach (each person counts once, however often they
    retry). Even then only its clients without a device cookie wait, so everyone there who
    logged in before on that browser still gets in. A slowdown per address would instead let
    one attacker behind the NAT hold the shared wait for everyone.

    A refusal is `ServiceError` with `minutes` and `seconds` to wait, raised without looking
    at the password. A success clears the failures of the pair or the device that succeeded,
    not the account's count from other addresses (one login does not vouch for strangers).

    `hash_method` is the one the passwords are hashed with (the app's PASSWORD_HASH_METHOD):
    an unknown account is checked against a hash of it, so it costs what a known one does.
    """
    account = username.strip().lower()
    _refuse_while_limited(session, account, address, device, limits, now_ms)
    user = _find(session, username)
    matches = _password_matches(user, password, hash_method)
    if user is None or not matches:
        _count_failure(session, user, account, address, device, limits, now_ms)
        return None
    if device is None:
        throttle.forget(session, throttle.LOGIN, address, account=account)
    else:
        throttle.forget(session, throttle.LOGIN_DEVICE, device, account=account)
    failures = user.failed_logins
    user.failed_logins = 0
    return SignedIn(user, failures)


def _refuse_while_limited(
    session: Session,
    account: str,
    address: str,
    device: str | None,
    limits: LoginLimits,
    now_ms: int,
) -> None:
    if device is not None:
        wait_s = throttle.slowed_for_s(
            session, limits.known_device, device, now_ms=now_ms, account=account
        )
        if wait_s is not None:
            raise ServiceError("login_slowed", seconds=wait_s)
        return
    for code, wait_s in _waits_without_device(session, account, address, limits, now_ms):
        if wait_s is not None:
            raise ServiceError(code, minutes=-(-wait_s // 60), seconds=wait_s)


def _waits_without_device(
    session: Session, account: str, address: str, limits: LoginLimits, now_ms: int
) -> Iterator[tuple[str, int | None]]:
    """The limits of a client without a device cookie, each checked only if the one before
    let it through."""
    yield (
        "too_many_attempts",
        throttle.retry_after_s(session, limits.per_pair, address, account=account, now_ms=now_ms),
    )
    yield (
        "account_attacked",
        throttle.retry_after_s(session, limits.per_account, None, account=account, now_ms=now_ms),
    )
    yield (
        "too_many_attempts",
        throttle.accounts_retry_after_s(
            session, limits.accounts_per_address, address, now_ms=now_ms
        ),
    )


def _count_failure(
    session: Session,
    user: User | None,
    account: str,
    address: str,
    device: str | None,
    limits: LoginLimits,
    now_ms: int,
) -> None:
    if device is not None:
        throttle.record_failure(
            session, throttle.LOGIN_DEVICE, device, account=account, now_ms=now_ms
        )
    else:
        throttle.record_failure(session, throttle.LOGIN, address, account=account, now_ms=now_ms)
    if user is None:
        return
    user.failed_logins = User.failed_logins + 1
    if device is None and _under_attack(session, limits.per_account, account, now_ms):
        _tell_holder_once(session, user, limits.per_account, now_ms)


def _under_attack(session: Session, limit: throttle.Limit, account: str, now_ms: int) -> bool:
    wait_s = throttle.retry_after_s(session, limit, None, account=account, now_ms=now_ms)
    return wait_s is not None


def _tell_holder_once(session: Session, user: User, limit: throttle.Limit, now_ms: int) -> None:
    """One notification per window however long the attack lasts."""
    now = datetime.fromtimestamp(now_ms / 1000, UTC)
    told = select(Notification.id).where(
        Notification.user_id == user.id,
        Notification.kind == "login_attacked",
        Notification.created_at > now - timedelta(seconds=limit.window_s),
    )
    if session.scalar(told) is None:
        notifications.notify(
            session,
            user.id,
            "login_attacked",
            now=now,
            failures=limit.most,
            minutes=limit.window_s // 60,
        )


def check_current_password(
    session: Session, user: User, password: str, *, limit: throttle.Limit, now_ms: int
) -> bool:
    """Whether `password` is `user`'s, at most `limit.most` wrong ones per window (then
    `ServiceError("too_many_attempts")`): a stolen session cannot guess the password to
    change it, or to learn it for elsewhere, faster than a login could."""
    key = str(user.id)
    wait_s = throttle.retry_after_s(session, limit, key, now_ms=now_ms)
    if wait_s is not None:
        raise ServiceError("too_many_attempts", minutes=-(-wait_s // 60), seconds=wait_s)
    if check_password_hash(user.password_hash, password):
        throttle.forget(session, limit.kind, key)
        return True
    throttle.record_failure(session, limit.kind, key, account=user.username.lower(), now_ms=now_ms)
    return False


def recent_login_failures(session: Session, user: User, *, now_ms: int) -> int:
    """Failures counted against the account in the last 24 hours (all the nightly job keeps),
    from every address and device: what an admin sees before lifting the locks."""
    return throttle.failures_of_account(
        session, user.username.lower(), since_ms=now_ms - 24 * 3600 * 1000
    )


def lift_login_locks(
    session: Session, user: User, *, reason: str, now: datetime, actor_id: int | None
) -> int:
    """Forget every failure counted against `user`'s account (logins from any address or
    device, current-password checks): every lock and slowdown on it ends. Returns how many
    failures were forgotten; audited with the reason."""
    reason = reason.strip()
    if not reason:
        raise ServiceError("reason_required")
    if len(reason) > MAX_REASON:
        raise ServiceError("reason_too_long", most=MAX_REASON)
    forgotten = throttle.forget_account(session, user.username.lower())
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="user.unlock_login",
        subject=f"user:{user.id}",
        reason=reason,
        details={"failures": forgotten},
    )
    return forgotten


def end_sessions(session: Session, user: User) -> None:
    """Log the user out everywhere: a session cookie, even a copied one, stops working (the
    cookie is signed, not stored, so the server ends it by changing what it must match)."""
    user.session_epoch += 1


def set_password(
    session: Session,
    user: User,
    password: str,
    *,
    now: datetime,
    hash_method: str = "scrypt",
    actor_id: int | None = None,
    must_change: bool = False,
) -> None:
    passwords.check(password, personal_details(user.username, user.display_name, user.profile))
    user.password_hash = generate_password_hash(password, method=hash_method)
    user.must_change_password = must_change
    audit.record(
        session,
        at=now,
        actor_id=actor_id,
        action="user.password",
        subject=f"user:{user.id}",
        details={"must_change": must_change},
    )


def update_user(
    session: Session,
    user: User,
    *,
    display_name: str,
    role: Role,
    active: bool,
    now: datetime,
    actor_id: int,
) -> None:
    changes: dict[str, list[object]] = {}
    if user.display_name != display_name:
        changes["display_name"] = [user.display_name, display_name]
        user.display_name = display_name
    if user.role != role.value:
        if user.id == actor_id:
            raise ServiceError("cannot_change_own_role")
        changes["role"] = [user.role, role.value]
        user.role = role.value
        if role == Role.TRAINEE and user.profile is None:
            user.profile = TraineeProfile(real_name=display_name)
    if user.active != active:
        if user.id == actor_id:
            raise ServiceError("cannot_deactivate_self")
        changes["active"] = [user.active, active]
        user.active = active
        user.deactivated_at = None if active else now
    if changes:
        audit.record(
            session,
            at=now,
            actor_id=actor_id,
            action="user.update",
            subject=f"user:{user.id}",
            details=changes,
        )


def mask_id_number(id_number: str | None) -> str:
    """Keep the first 3 and last 4 characters: 440***********123X."""
    if not id_number:
        return ""
    if len(id_number) <= 7:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def update_contact(
    session: Session,
    user: User,
    *,
    phone: str | None,
    email: str | None,
    employer: str | None,
    now: datetime,
) -> list[str]:
    """A trainee's own contact details; returns the names of the fields that changed (the
    audit log keeps those names, not the values, which are personal data)."""
    profile = user.profile
    if profile is None:
        raise ServiceError("no_profile")
    if phone and not PHONE_PATTERN.match(phone):
        raise ServiceError("phone_invalid")
    wanted = {"phone": phone or None, "email": email or None, "employer": employer or None}
    changed = [name for name, value in wanted.items() if getattr(profile, name) != value]
    for name in changed:
        setattr(profile, name, wanted[name])
    if changed:
        audit.record(
            session,
            at=now,
            actor_id=user.id,
            action="profile.contact",
            subject=f"user:{user.id}",
            details={"fields": changed},
        )
    return changed
