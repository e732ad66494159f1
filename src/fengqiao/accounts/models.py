"""Users with a role, their jurisdiction bindings, API tokens and sign-in throttles."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fengqiao.core.roles import Role
from fengqiao.regions.models import Grid, Region


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    person = models.OneToOneField(
        "registry.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
        verbose_name=_("person record"),
    )
    # The mobile number a resident signs in with by SMS code (accounts.resident_signin):
    # sealed, keyed hash for the look-up (unique: one account per number), masked for pages.
    phone_sealed = models.TextField(blank=True, editable=False)
    phone_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    phone_masked = models.CharField(_("mobile number"), max_length=20, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A resident is someone of the registry or someone whose mobile number was
            # confirmed by an SMS code (bound to the registry later, by name and ID number).
            models.CheckConstraint(
                condition=~Q(role="resident")
                | Q(person__isnull=False)
                | Q(phone_hash__isnull=False)
                | Q(is_active=False),
                name="active_resident_has_person_or_phone",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def label(self) -> str:
        return self.display_name or self.username

    def scope_prefixes(self) -> list[str] | None:
        """Code prefixes this user's jurisdiction covers; None = everything (superuser)."""
        if self.is_superuser:
            return None
        if not self.is_active:
            return []
        cached = getattr(self, "_scope_prefixes", None)
        if cached is None:
            cached = sorted(self.bindings.values_list("code", flat=True))
            self._scope_prefixes = cached
        return cached


class JurisdictionBinding(models.Model):
    """Binds a staff account to a region or a grid; `code` is the prefix it grants."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="bindings")
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(max_length=24, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=False, grid__isnull=True)
                | Q(region__isnull=True, grid__isnull=False),
                name="binding_region_xor_grid",
            ),
            models.UniqueConstraint(fields=["user", "code"], name="unique_user_binding"),
        ]
        verbose_name = _("jurisdiction binding")
        verbose_name_plural = _("jurisdiction bindings")

    def __str__(self) -> str:
        return f"{self.user} → {self.region or self.grid}"

    @property
    def target(self):
        return self.region or self.grid


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored. `password_mark` ties it to the password it
    was issued under: any password change (page, admin, command, reset) makes it invalid."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    password_mark = models.CharField(max_length=128, default="", editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class LoginThrottle(models.Model):
    """Failed sign-ins counted per (user name, address), per user name and per address."""

    key = models.CharField(max_length=220, unique=True)
    scope = models.CharField(max_length=8)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True, db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in throttle")
        verbose_name_plural = _("sign-in throttles")

    def __str__(self) -> str:
        return f"{self.key} ×{self.failures}"


class SmsCode(models.Model):
    """A one-time sign-in code sent by SMS: only its keyed hash is stored (with a random salt),
    it expires, and it allows a few wrong tries. The rows of the last day are also what the
    request limits count (per number and per client address)."""

    phone_hash = models.CharField(max_length=64)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    ip = models.CharField(max_length=45, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        indexes = [
            models.Index(fields=["phone_hash", "created_at"], name="smscode_phone_idx"),
            models.Index(fields=["ip", "created_at"], name="smscode_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.phone_hash[:8]}… {self.created_at:%Y-%m-%d %H:%M}"


class SmsGate(models.Model):
    """One row per mobile number (keyed hash) and per client address, locked while a code
    request is counted, so parallel requests cannot pass a limit together."""

    key = models.CharField(max_length=80, unique=True)

    class Meta:
        verbose_name = _("SMS request gate")
        verbose_name_plural = _("SMS request gates")

    def __str__(self) -> str:
        return self.key
