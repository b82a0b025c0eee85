"""Token authentication (令牌认证) of the API: DRF's ``TokenAuthentication``, its lookup in one
prepared plain-SQL query.

Every handset request is authenticated by its token, and DRF's lookup
(``Token.objects.select_related("user").get(key=...)``) compiled the same ORM query anew each
time: about 1 ms of a worker's CPU per request, 7.5 % of a handset report. Here the SQL is
built once from the models' own columns and the rows become model instances with
``from_db``, as the ORM's would. The token is still read from the database on every request
(no cache): revoking a lost handset's token (``POST /api/auth/revoke/``) takes effect on the
next request in every worker. Errors, messages and the ``WWW-Authenticate`` keyword are
DRF's.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token


@cache
def _lookup() -> tuple[str, list[str], list]:
    """(SQL selecting the user's columns and the token's ``created`` by key, user attnames,
    each column's converters as the ORM applies them)."""
    user_model = get_user_model()
    qn = connection.ops.quote_name
    fields = [*user_model._meta.concrete_fields, Token._meta.get_field("created")]
    user_t, token_t = qn(user_model._meta.db_table), qn(Token._meta.db_table)
    columns = ", ".join(f"{qn(f.model._meta.db_table)}.{qn(f.column)}" for f in fields)
    sql = (f"SELECT {columns} FROM {token_t} "
           f"INNER JOIN {user_t} ON {user_t}.{qn(user_model._meta.pk.column)} = "
           f"{token_t}.{qn('user_id')} WHERE {token_t}.{qn('key')} = %s")
    # The backend's converters (SQLite's datetimes arrive as text) and the field's own.
    converters = []
    for f in fields:
        col = f.get_col(f.model._meta.db_table)
        converters.append((col, connection.ops.get_db_converters(col) + f.get_db_converters(connection)))
    return sql, [f.attname for f in fields[:-1]], converters


def token_user(key: str):
    """``(user, token)`` for ``key``, or None when no such token exists (revoked, or never)."""
    sql, attnames, converters = _lookup()
    with connection.cursor() as cur:
        cur.execute(sql, [key])
        row = cur.fetchone()
    if row is None:
        return None
    values = []
    for value, (col, funcs) in zip(row, converters):
        for func in funcs:
            value = func(value, col, connection)
        values.append(value)
    user = get_user_model().from_db(connection.alias, attnames, values[:-1])
    token = Token.from_db(connection.alias, ["key", "user_id", "created"],
                          [key, user.pk, values[-1]])
    token.user = user
    return user, token


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        found = token_user(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not found[0].is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return found
