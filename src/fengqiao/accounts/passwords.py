"""Password strength for accounts holding personal data: zxcvbn's estimate, not the user name."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from zxcvbn import zxcvbn

# zxcvbn reads at most this much; a longer password is judged on its start (and is long).
_MAX_CHECKED = 100
_USER_ATTRIBUTES = ("username", "display_name", "first_name", "last_name", "email")


def _user_words(user) -> list[str]:
    if user is None:
        return []
    words = []
    for attribute in _USER_ATTRIBUTES:
        value = str(getattr(user, attribute, "") or "").strip().lower()
        if value:
            words.append(value)
            words.extend(part for part in value.replace("_", " ").replace(".", " ").split() if part)
    return words


class StrengthValidator:
    """Refuses passwords zxcvbn scores below `min_score` (0–4) or that contain the user name.

    The user's own names are given to zxcvbn as known words, so `grid_chief2024!` scores as
    the user name plus a year would to an attacker who knows the account.
    """

    def __init__(self, min_score: int = 3):
        self.min_score = min_score

    def validate(self, password: str, user=None) -> None:
        lowered = password.lower()
        for word in _user_words(user):
            if len(word) >= 3 and word in lowered:
                raise ValidationError(
                    _("The password must not contain the user name or display name."),
                    code="password_contains_user_name",
                )
        result = zxcvbn(password[:_MAX_CHECKED], user_inputs=_user_words(user))
        if result["score"] < self.min_score:
            raise ValidationError(
                _(
                    "This password is too easy to guess. Use a longer phrase of unrelated "
                    "words, numbers or signs."
                ),
                code="password_too_weak",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password must be hard to guess (a phrase of unrelated words is best) and must "
            "not contain your user name."
        )
