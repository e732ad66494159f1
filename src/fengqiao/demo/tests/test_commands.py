"""`fengqiao demo` (without serving): migrate, seed once, print the URL and accounts."""

from django.core.management import call_command

from fengqiao.accounts.models import User


def test_demo_prints_url_and_accounts_when_run_without_serving(db, capsys):
    call_command("demo", "--scale", "small", "--no-serve", "--port", "8123")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8123/" in out
    for username in ["admin", "village_centre", "resident"]:
        assert username in out
    # Running it again reuses the data.
    call_command("demo", "--scale", "small", "--no-serve")
    assert User.objects.filter(username="admin").count() == 1
