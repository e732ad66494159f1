"""The `fengqiao` console command runs Django's verbs and ours."""

from fengqiao.cli import main


def test_console_command_runs_django_verbs_when_called(db, capsys):
    main(["check"])
    assert "no issues" in capsys.readouterr().out


def test_each_verb_lives_in_the_app_it_drives():
    from django.core.management import get_commands

    commands = get_commands()
    assert {
        name: commands[name]
        for name in (
            "serve",
            "compiletranslations",
            "chain-digest",
            "rekey",
            "createuser",
            "open311_client",
            "verify-log",
            "import",
            "regions",
            "demo",
            "seed",
        )
    } == {
        "serve": "fengqiao.core",
        "compiletranslations": "fengqiao.core",
        "chain-digest": "fengqiao.core",
        "rekey": "fengqiao.core",
        "createuser": "fengqiao.accounts",
        "open311_client": "fengqiao.cases",
        "verify-log": "fengqiao.cases",
        "import": "fengqiao.registry",
        "regions": "fengqiao.regions",
        "demo": "fengqiao.demo",
        "seed": "fengqiao.demo",
    }
