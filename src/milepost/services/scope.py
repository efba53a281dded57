"""Which projects a caller can see, as a SQL condition for list queries.

The same rule as `Principal.may_access_project`, written for a WHERE clause so that a
list never loads rows it would then have to throw away.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true

from milepost.services.permissions import Principal
from milepost.storage import tables as t


def visible_projects(principal: Principal) -> ColumnElement[bool]:
    """A condition on `zp_projects` that holds for the projects the caller may access."""
    if principal.sees_every_project():
        return true()
    member = t.projects.c.id.in_(list(principal.memberships)) if principal.memberships else false()
    if principal.is_key:
        return member
    conditions = [member, t.projects.c.psettings == "all"]
    if principal.client_id is not None:
        conditions.append(
            and_(t.projects.c.psettings == "clients", t.projects.c.clientId == principal.client_id)
        )
    return or_(*conditions)
