"""Every domain's models in one registry, for Alembic and the tests."""

from app.accounts.models import (  # noqa: F401
    ApiToken,
    AuditEntry,
    Group,
    GroupMembership,
    LoginAttempt,
    User,
    UserSession,
    UserVisit,
)
from app.db import Base  # noqa: F401
from app.mail import OutboxEmail  # noqa: F401

metadata = Base.metadata
