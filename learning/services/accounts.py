"""User accounts: creation, passwords, log-in checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from learning.models import Role, TraineeCategory, TraineeProfile, User
from learning.services import ServiceError, audit, passwords, throttle

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
PHONE_PATTERN = re.compile(r"^1\d{10}$")  # a mainland mobile number
# Compared against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not a real password")


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


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same work whether or not it exists)."""
    user = session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user


@dataclass(frozen=True)
class LoginLimits:
    per_account: throttle.Limit
    per_address: throttle.Limit


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    address: str,
    limits: LoginLimits,
    now_ms: int,
) -> User | None:
    """`authenticate`, unless this account or this address has failed too often of late:
    then `ServiceError("too_many_attempts", minutes=...)` without looking at the password, so
    guessing goes no faster than the limits. A failure counts against both; a success clears
    the account's count (not the address's: one person logging in does not vouch for a
    network)."""
    account = username.strip().lower()
    for limit, key in ((limits.per_account, account), (limits.per_address, address)):
        wait_s = throttle.retry_after_s(session, limit, key, now_ms=now_ms)
        if wait_s is not None:
            raise ServiceError("too_many_attempts", minutes=-(-wait_s // 60))
    user = authenticate(session, username, password)
    if user is None:
        throttle.record_failure(session, throttle.LOGIN_ACCOUNT, account, now_ms=now_ms)
        throttle.record_failure(session, throttle.LOGIN_ADDRESS, address, now_ms=now_ms)
    else:
        throttle.forget(session, throttle.LOGIN_ACCOUNT, account)
    return user


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
    changes = {}
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
