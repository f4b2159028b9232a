"""Permissions declared where a field is declared: ``extensions=requires(P)``."""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from perfloop.authz import Permission
from perfloop.services.core.errors import NotAuthenticated, ServiceError


class Needs(BasePermission):
    """The caller holds ``permission`` in their tenant, at any scope.

    Services then narrow rows to the scope; this check only refuses early.
    """

    message = "not allowed"

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        context = info.context
        if context.caller_or_none is None:
            error = context.auth_error or NotAuthenticated()
            self.message = error.errors[0].message
            self.error_extensions = {"code": error.code.value, "messageZh": error.errors[0].zh}
            return False
        if context.caller.scope(self.permission) is None:
            self.message = f"you may not {self.permission.action} {self.permission.resource} here"
            self.error_extensions = {
                "code": "FORBIDDEN",
                "permission": self.permission.value,
                "messageZh": f"无权执行此操作：需要权限 {self.permission.value}",
            }
            return False
        return True


def requires(permission: Permission) -> list[FieldExtension]:
    return [PermissionExtension(permissions=[Needs(permission)], use_directives=False)]


__all__ = ["Needs", "ServiceError", "requires"]
