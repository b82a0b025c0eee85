"""Open websockets end with the credentials they were opened with.

A socket is authenticated once, when it connects. So that revoking a token (a lost handset),
deactivating a user or changing their role or department does not leave a socket streaming,
these receivers, connected at start-up (``RealtimeConfig.ready``), close every socket of the
user concerned through the user's own group (``send.close_user_sockets_on_commit``), after the
change commits. They key on the user, not on the kind of token: any credential model whose
rows carry ``user_id`` is wired by adding its label to ``CREDENTIAL_MODELS``, and code that
ends credentials some other way (a bulk ``update``, which sends no signal) calls
``close_user_sockets_on_commit(user_id)`` itself.

Clients reconnect after the close (code 4401); one whose credentials still hold (the page of a
user whose other token was revoked) is let in again, with the groups its role has now.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, pre_save

from server.realtime.send import close_user_sockets_on_commit

#: Models whose rows are one user's credentials (``user_id``): deleting a row closes that
#: user's sockets. Labels of apps that are not installed are skipped.
CREDENTIAL_MODELS = ("accounts.ApiToken",)
#: User fields whose change ends what the user's open sockets were let in for.
USER_FIELDS = ("is_active", "role", "department_id", "password")
#: The names ``save(update_fields=...)`` may give those fields by.
_SAVED_AS = frozenset(USER_FIELDS) | {"department"}


def _credential_deleted(sender, instance, **kwargs) -> None:
    if instance.user_id is not None:
        close_user_sockets_on_commit(instance.user_id)


def _user_deleted(sender, instance, **kwargs) -> None:
    close_user_sockets_on_commit(instance.pk)


def _user_saving(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    """Before a user is saved: when one of ``USER_FIELDS`` changes, close their sockets once
    the save commits (nothing when it rolls back). One primary-key read per save of an
    existing user, skipped for saves that name only other fields (a login's ``last_login``)."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & _SAVED_AS:
        return
    before = sender.objects.filter(pk=instance.pk).values(*USER_FIELDS).first()
    if before is not None and any(before[f] != getattr(instance, f) for f in USER_FIELDS):
        close_user_sockets_on_commit(instance.pk)


def connect() -> None:
    """Wire the receivers (once, from ``RealtimeConfig.ready``)."""
    user_model = get_user_model()
    pre_save.connect(_user_saving, sender=user_model, dispatch_uid="realtime-user-saving")
    post_delete.connect(_user_deleted, sender=user_model, dispatch_uid="realtime-user-deleted")
    for label in CREDENTIAL_MODELS:
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):  # that kind of token is not installed here
            continue
        post_delete.connect(_credential_deleted, sender=model,
                            dispatch_uid=f"realtime-credential-deleted-{label}")
