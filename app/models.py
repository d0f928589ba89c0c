"""Every domain's models in one registry, for Alembic and the tests."""

from app.accounts import models as accounts_models  # noqa: F401
from app.ambassadors import invitations as ambassadors_invitations  # noqa: F401
from app.ambassadors import models as ambassadors_models  # noqa: F401
from app.ambassadors import reengagement_models  # noqa: F401
from app.db import Base
from app.forum import models as forum_models  # noqa: F401
from app.ideas import models as ideas_models  # noqa: F401
from app.importers import models as importers_models  # noqa: F401
from app.insights import models as insights_models  # noqa: F401
from app.karma import models as karma_models  # noqa: F401
from app import idempotency, mail, uploads  # noqa: F401
from app import worker  # noqa: F401
from app.webhooks import models as webhooks_models  # noqa: F401

metadata = Base.metadata

# Full-text search indexes are dialect-specific (FTS5 / tsvector) and live outside the ORM.
SEARCH_TABLE_PREFIX = "post_search"
