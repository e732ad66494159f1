"""Background tasks of cases (django-tasks; queued with core.taskqueue.enqueue_on_commit and
run by `fengqiao worker`)."""

from django.utils.module_loading import import_string
from django_tasks import task

from fengqiao.accounts.models import User
from fengqiao.cases.models import Case


@task()
def notification_send(*, sender: str, case_id: int, user_ids: list[int], kind: str, message: str):
    """Hand one notification to one sender outside the database (SMS, push…): the sender
    class at dotted path `sender`, as listed in FENGQIAO_NOTIFICATION_SENDERS. Returns how
    many people it was handed for (none when the case is gone)."""
    case = Case.objects.filter(pk=case_id).first()
    users = list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))
    if case is None or not users:
        return 0
    import_string(sender)().send(case, users, kind=kind, message=message)
    return len(users)
