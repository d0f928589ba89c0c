"""A web worker imports only what web requests need: NumPy, SciPy and scikit-learn stay out of it.

The app is started in a fresh interpreter (as `hearth serve --workers N` and gunicorn start their
workers), serves the common pages, and reports which heavy modules got loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy.orm import Session

from app.db import make_engine
from app.forum.models import Category
from tests.forum_factories import make_reply, make_topic

HEAVY = ("numpy", "scipy", "sklearn")

WORKER = """
import json, sys
from fastapi.testclient import TestClient
from app.config import Settings
from app.main import create_app

settings = Settings(database_url=sys.argv[1], secret_key="test-secret-key-not-for-production")
paths = json.loads(sys.argv[2])
statuses = {}
with TestClient(create_app(settings)) as client:
    for path in paths:
        statuses[path] = client.get(path).status_code
print(json.dumps({"statuses": statuses, "loaded": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)


def test_web_worker_serves_pages_without_numpy_or_sklearn(make_database):
    url = make_database()
    engine = make_engine(url)
    with Session(engine) as db:
        topic = make_topic(db, title="Thermostat keeps rebooting at night", tags=("wifi",))
        make_reply(db, topic=topic)
        db.commit()
        topic_path = f"/t/{topic.id}-{topic.slug}"
        category_slug = db.get(Category, topic.category_id).slug
    engine.dispose()
    paths = [
        "/", "/latest", "/unanswered", "/solved", "/categories", f"/c/{category_slug}", "/tag/wifi",
        topic_path, "/ideas", "/search?q=thermostat", "/login", "/u/nobody-here",
    ]
    out = subprocess.run(
        [sys.executable, "-c", WORKER, url, json.dumps(paths)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["statuses"] == {path: (404 if path == "/u/nobody-here" else 200) for path in paths}
    assert report["loaded"] == []


def test_scoring_code_still_loads_numpy_when_asked_for():
    # The guard above must be able to fail: the scoring module really does pull NumPy in.
    out = subprocess.run(
        [sys.executable, "-c", "import sys, app.ambassadors.training; print('numpy' in sys.modules)"],
        capture_output=True, text=True, timeout=120,
    )
    assert out.stdout.strip() == "True", out.stderr[-2000:]
