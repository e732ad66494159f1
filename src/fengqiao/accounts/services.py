"""Every write to accounts: users, jurisdiction bindings, tokens, passwords, login throttling."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from fengqiao.accounts import throttling
from fengqiao.accounts.models import ApiToken, JurisdictionBinding, User
from fengqiao.core import clock
from fengqiao.core.audit import audit_created, audit_record, common_region
from fengqiao.core.errors import DomainError, NotAllowed, ValidationFailed
from fengqiao.core.roles import Role
from fengqiao.regions.models import Grid, Region
from fengqiao.registry.models import Person


class Throttled(DomainError):
    status = 429
    code = "throttled"
    default_message = _("Too many failed sign-ins. Wait a few minutes and try again.")


class BadCredentials(DomainError):
    status = 401
    code = "bad_credentials"
    default_message = _("Wrong username or password.")


def _bind_targets(codes: list[str]) -> list[Region | Grid]:
    targets = []
    for code in codes:
        target = Region.objects.filter(code=code).first() or Grid.objects.filter(code=code).first()
        if target is None:
            raise ValidationFailed(
                _("No region or grid has the code %(code)s.") % {"code": code}, field="jurisdiction"
            )
        targets.append(target)
    return targets


def user_region_code(user: User) -> str:
    """The jurisdiction an account's audit rows belong to: its bindings' common prefix, or
    its person's code for a resident."""
    codes = list(user.bindings.values_list("code", flat=True)) if user.pk else []
    if not codes and user.person_id:
        codes = [user.person.region_code]
    return common_region(codes)


def user_bind(
    *, user: User, target: Region | Grid, actor=None, record: bool = True
) -> JurisdictionBinding:
    """Bind `user` to a region or grid; `record` writes the audit row (user_create writes
    its own)."""
    with transaction.atomic():
        if isinstance(target, Region):
            binding, created = JurisdictionBinding.objects.get_or_create(
                user=user, code=target.prefix, defaults={"region": target}
            )
        else:
            binding, created = JurisdictionBinding.objects.get_or_create(
                user=user, code=target.code, defaults={"grid": target}
            )
        if created and record:
            audit_record(
                actor=actor,
                entity=user,
                action="bind",
                changes={"jurisdiction": [None, binding.code]},
                region_code=binding.code,
            )
    return binding


def user_unbind(*, actor, binding: JurisdictionBinding) -> None:
    with transaction.atomic():
        user, code = binding.user, binding.code
        binding.delete()
        audit_record(
            actor=actor,
            entity=user,
            action="unbind",
            changes={"jurisdiction": [code, None]},
            region_code=code,
        )


def user_create(
    *,
    username: str,
    password: str,
    role: str,
    jurisdiction: list[str] | None = None,
    person: Person | None = None,
    display_name: str = "",
    is_superuser: bool = False,
    check_password: bool = True,
    actor=None,
) -> User:
    """Create an account bound to its jurisdictions (codes of regions or grids)."""
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role %(role)s.") % {"role": role}, field="role")
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(_("This username is taken."), field="username")
    if role == Role.RESIDENT and person is None:
        raise ValidationFailed(_("A resident account needs a person record."), field="person")
    if role != Role.RESIDENT and not jurisdiction and not is_superuser:
        raise ValidationFailed(_("A staff account needs a jurisdiction."), field="jurisdiction")
    if check_password:
        try:
            # An unsaved user, so the policy can compare the password with the names.
            validate_password(password, User(username=username, display_name=display_name))
        except ValidationError as exc:
            raise ValidationFailed(" ".join(exc.messages), field="password") from exc
    targets = _bind_targets(jurisdiction or [])
    with transaction.atomic():
        user = User(
            username=username,
            role=role,
            person=person,
            display_name=display_name,
            is_superuser=is_superuser,
            is_staff=is_superuser or role == Role.ADMIN,
        )
        user.set_password(password)
        user.save()
        for target in targets:
            user_bind(user=user, target=target, record=False)
        changes = audit_created(
            user, ["username", "role", "display_name", "person", "is_superuser", "is_staff"]
        )
        changes["jurisdiction"] = [None, sorted(user.bindings.values_list("code", flat=True))]
        audit_record(
            actor=actor,
            entity=user,
            action="create",
            changes=changes,
            region_code=user_region_code(user),
        )
    return user


def user_change_password(*, user: User, old_password: str, new_password: str) -> User:
    if not user.check_password(old_password):
        raise ValidationFailed(_("The current password is wrong."), field="old_password")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), field="new_password") from exc
    user.set_password(new_password)
    with transaction.atomic():
        user.save(update_fields=["password"])
        token_revoke_all(user=user)
        audit_record(  # never the password nor its hash: only that it changed
            actor=user,
            entity=user,
            action="password_change",
            changes={"password": ["***", "***"]},
            region_code=user_region_code(user),
        )
    return user


def login_check(*, request, username: str, password: str) -> User:
    """Authenticate through the sign-in throttle (accounts.throttling, the only backend)."""
    user = authenticate(request, username=(username or "").strip(), password=password)
    if user is None:
        if throttling.refused_seconds(request):
            raise Throttled()
        raise BadCredentials()
    return user


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(*, user: User) -> tuple[str, ApiToken]:
    """Return the clear token (shown once) and its stored record."""
    if not user.is_active:
        raise NotAllowed(_("This account is disabled."))
    key = "fq_" + secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken.objects.create(
        user=user,
        key_hash=_token_hash(key),
        prefix=key[:8],
        created_at=now,
        expires_at=now + timedelta(hours=settings.FENGQIAO_API_TOKEN_HOURS),
        password_mark=user.get_session_auth_hash(),
    )
    return key, token


def token_authenticate(*, key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(key), revoked=False, expires_at__gt=clock.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # Issued under another password: the password changed since (in any way), so it is void.
    if not constant_time_compare(token.password_mark, token.user.get_session_auth_hash()):
        return None
    now = clock.now()
    # Write last_used at most once a minute so reads do not turn into writes.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, user: User, key: str) -> int:
    """Revoke one of the user's tokens (the one in use); returns how many rows changed."""
    return ApiToken.objects.filter(user=user, key_hash=_token_hash(key), revoked=False).update(
        revoked=True
    )


def token_revoke_all(*, user: User) -> int:
    """Revoke every token of the user (sign-out, password change, "sign out everywhere")."""
    return ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
