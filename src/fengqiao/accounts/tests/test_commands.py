"""`fengqiao createuser`: an account with its role and jurisdiction, or a clear refusal."""

import pytest
from django.core.management import CommandError, call_command

from fengqiao.accounts.models import User


def test_createuser_binds_jurisdiction_when_code_exists(demo_county, capsys):
    township = "439901001000"
    call_command(
        "createuser",
        "wang",
        "--role",
        "centre_staff",
        "--jurisdiction",
        township,
        "--password",
        "a-long-enough-password-1",
    )
    user = User.objects.get(username="wang")
    assert user.role == "centre_staff"
    assert user.scope_prefixes() == ["439901001"]
    assert user.check_password("a-long-enough-password-1")


def test_createuser_explains_when_code_unknown(demo_county):
    with pytest.raises(CommandError, match="No region or grid has the code 439901999999"):
        call_command(
            "createuser",
            "li",
            "--role",
            "centre_staff",
            "--jurisdiction",
            "439901999999",
            "--password",
            "a-long-enough-password-1",
        )
    assert not User.objects.filter(username="li").exists()


def test_createuser_refuses_resident_when_no_person(db):
    with pytest.raises(CommandError, match="person record"):
        call_command("createuser", "zhao", "--role", "resident", "--password", "x-long-pass-123")
