"""Questions, answers, comments, edit history, accepted answers and nominations of a dump."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, update

from app.forum.models import Post, PostRevision, Tag, Topic, TopicTag
from app.forum.service import topic_slug
from app.importers.models import ModeratorNomination
from app.importers.stackexchange_content import (
    attribution_html,
    attribution_markdown,
    build_revisions,
    clean_html,
    html_to_markdown,
    licence,
    render_comment,
    source_url,
    tags_of,
)
from app.importers.stackexchange_karma import ImportedAccept
from app.importers.stackexchange_run import ImportRun

QUESTION, ANSWER, NOMINATION = 1, 2, 6
OTHER_POST_TYPES = {
    3: "orphaned tag wiki (no Hearth equivalent)",
    4: "tag wiki excerpt (no Hearth equivalent)",
    5: "tag wiki (no Hearth equivalent)",
    7: "site wiki placeholder (no Hearth equivalent)",
    8: "privilege wiki (no Hearth equivalent)",
}
KIND_ORDER = {"question": 0, "answer": 1, "comment": 2}


def import_posts(run: ImportRun) -> list[ImportedAccept]:
    """Import questions as question topics, answers and comments as replies, edits as revisions.

    Returns the accepted answers that are new in this run (for the karma ledger).
    """
    posts = run.dump.get("Posts", [])
    stats = run.stats["Posts"]
    questions = {row["Id"]: row for row in posts if row["PostTypeId"] == QUESTION}
    answers = {}
    for row in posts:
        kind = row["PostTypeId"]
        if kind == ANSWER:
            if row["ParentId"] in questions or run.target("topic", row["ParentId"]) is not None:
                answers[row["Id"]] = row
            else:
                stats.skip("answer whose question is not in the dump")
        elif kind not in (QUESTION, NOMINATION):
            stats.skip(OTHER_POST_TYPES.get(kind, f"post type {kind} (no Hearth equivalent)"))
    _import_topics(run, questions)
    history = _history_by_post(run, questions, answers)
    items = _thread_items(run, questions, answers)
    _insert_posts(run, items, history)
    accepts = _accept_answers(run, questions)
    _import_nominations(run, [row for row in posts if row["PostTypeId"] == NOMINATION])
    return accepts


def _import_topics(run: ImportRun, questions: dict[int, dict]) -> None:
    new = [row for row in questions.values() if run.target("topic", row["Id"]) is None]
    tag_names = {name for row in new for name in tags_of(row["Tags"])}
    tag_ids = _tag_ids(run, tag_names)
    topic_rows = []
    for row in new:
        title = " ".join(row["Title"].split())[:200]
        topic_rows.append(
            {
                "category_id": run.category_id,
                "author_id": run.user(row["OwnerUserId"]),
                "title": title,
                "slug": topic_slug(title),
                "kind": "question",
                "created_at": row["CreationDate"],
                "last_posted_at": row["CreationDate"],
                "last_poster_id": run.user(row["OwnerUserId"]),
                "reply_count": 0,
                "highest_post_number": 0,
                "pinned": False,
                # A closed Stack Exchange question takes no new answers: locked in Hearth terms.
                "locked": row.get("ClosedDate") is not None,
            }
        )
    ids = run.insert_ids(Topic, topic_rows)
    links = []
    for row, topic_id in zip(new, ids):
        run.remember("topic", row["Id"], topic_id)
        links.extend({"topic_id": topic_id, "tag_id": tag_ids[name]} for name in tags_of(row["Tags"]))
    run.insert(TopicTag, links)
    tag_stats = run.stats.get("Tags")
    if tag_stats is not None:
        used = {name for row in questions.values() for name in tags_of(row["Tags"])}
        for row in run.dump["Tags"]:
            name = row["TagName"].lower()[:40]
            if name in tag_names:
                tag_stats.imported += 1
            elif name in used:
                tag_stats.already += 1
            else:
                tag_stats.skip("no imported question carries it")


def _tag_ids(run: ImportRun, names: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    ordered = sorted(names)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        found.update(run.session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(chunk))).all())
    missing = [name for name in ordered if name not in found]
    for name, tag_id in zip(missing, run.insert_ids(Tag, [{"name": name, "topic_count": 0} for name in missing])):
        found[name] = tag_id
    return found


def _history_by_post(run: ImportRun, questions: dict, answers: dict) -> dict[int, object]:
    rows_by_post: dict[int, list[dict]] = defaultdict(list)
    stats = run.stats.get("PostHistory")
    for row in run.dump.get("PostHistory", []):
        post_id = row["PostId"]
        if post_id in questions or post_id in answers:
            rows_by_post[post_id].append(row)
        else:
            stats.skip("history of a post that is not imported (tag wiki, deleted, nomination)")
    results = {}
    for post_id, rows in rows_by_post.items():
        result = build_revisions(rows)
        if run.target("post", post_id) is not None:
            stats.already += result.used
        else:
            stats.imported += result.used
        for reason, count in result.skipped.items():
            stats.skip(reason, count)
        results[post_id] = result
    return results


def _thread_items(run: ImportRun, questions: dict, answers: dict) -> dict[int, list[tuple]]:
    """New posts per topic (source topic id -> [(kind, row)]), in the order they were written."""
    items: dict[int, list[tuple]] = defaultdict(list)
    for row in questions.values():
        if run.target("post", row["Id"]) is None:
            items[row["Id"]].append(("question", row))
        else:
            run.stats["Posts"].already += 1
    for row in answers.values():
        if run.target("post", row["Id"]) is None:
            items[row["ParentId"]].append(("answer", row))
        else:
            run.stats["Posts"].already += 1
    comment_stats = run.stats.get("Comments")
    for row in run.dump.get("Comments", []):
        post_id = row["PostId"]
        if post_id in questions:
            topic_source = post_id
        elif post_id in answers:
            topic_source = answers[post_id]["ParentId"]
        else:
            comment_stats.skip("comment on a post that is not imported (tag wiki, deleted, nomination)")
            continue
        run.active(row["UserId"], row["CreationDate"])
        if run.target("comment", row["Id"]) is None:
            items[topic_source].append(("comment", row))
        else:
            comment_stats.already += 1
    for entries in items.values():
        entries.sort(key=lambda item: (item[0] != "question", item[1]["CreationDate"], KIND_ORDER[item[0]], item[1]["Id"]))
    return items


def _insert_posts(run: ImportRun, items: dict[int, list[tuple]], history: dict) -> None:
    existing_topics = [run.target("topic", source) for source in items]
    highest: dict[int, int] = {}
    for start in range(0, len(existing_topics), 500):
        chunk = existing_topics[start:start + 500]
        highest.update(
            run.session.execute(select(Topic.id, Topic.highest_post_number).where(Topic.id.in_(chunk))).all()
        )
    main_rows, main_sources, comment_rows, comment_sources = [], [], [], []
    for topic_source, entries in items.items():
        topic_id = run.target("topic", topic_source)
        number = highest.get(topic_id, 0)
        for kind, row in entries:
            number += 1
            if kind == "comment":
                comment_rows.append(_comment_row(run, row, topic_id, number))
                comment_sources.append(row)
            else:
                main_rows.append(_post_row(run, kind, row, topic_id, number, history.get(row["Id"])))
                main_sources.append(row)
    revision_rows, revision_sources = [], []
    for row, post_id in zip(main_sources, run.insert_ids(Post, main_rows)):
        run.remember("post", row["Id"], post_id)
        run.new_post_ids.append(post_id)
        run.stats["Posts"].imported += 1
        result = history.get(row["Id"])
        for number, draft in enumerate(result.revisions if result else [], start=1):
            revision_rows.append(
                {
                    "post_id": post_id,
                    "number": number,
                    "editor_id": run.user(draft.editor_source_id),
                    "created_at": draft.created_at,
                    "old_source": draft.old_source,
                    "new_source": draft.new_source,
                    "old_title": draft.old_title,
                    "new_title": draft.new_title,
                    "reverted_to": None,
                }
            )
            revision_sources.append(draft)
            run.active(draft.editor_source_id, draft.created_at)
    for draft, revision_id in zip(revision_sources, run.insert_ids(PostRevision, revision_rows)):
        run.remember("revision", draft.source_id, revision_id)
    for row in comment_rows:
        row["reply_to_post_id"] = run.target("post", row.pop("_on_post"))
    for row, post_id in zip(comment_sources, run.insert_ids(Post, comment_rows)):
        run.remember("comment", row["Id"], post_id)
        run.new_post_ids.append(post_id)
        run.stats["Comments"].imported += 1
    for row in run.dump["Posts"]:
        if row["PostTypeId"] in (QUESTION, ANSWER):
            run.active(row["OwnerUserId"], row["CreationDate"])


def _post_row(run: ImportRun, kind: str, row: dict, topic_id: int, number: int, result) -> dict:
    author = run.name_of(row["OwnerUserId"], row["OwnerDisplayName"])
    url = source_url(run.site, kind, row["Id"])
    licence_name = licence(row, row["CreationDate"])
    html = clean_html(row["Body"])
    # The author's Markdown is in PostHistory when the dump has it; otherwise it is converted
    # back from the sanitized HTML (DESIGN.md §6).
    source = result.source if result is not None and result.source is not None else html_to_markdown(html)
    revisions = result.revisions if result is not None else []
    return {
        "topic_id": topic_id,
        "post_number": number,
        "author_id": run.user(row["OwnerUserId"]),
        "reply_to_post_id": None,
        "body_source": source + attribution_markdown(author, url, run.host, licence_name),
        "body_html": html + attribution_html(author, url, run.host, licence_name),
        "by_staff": False,
        "created_at": row["CreationDate"],
        "edited_at": revisions[-1].created_at if revisions else row["LastEditDate"],
        "edit_count": len(revisions),
        "score": 0,
    }


def _comment_row(run: ImportRun, row: dict, topic_id: int, number: int) -> dict:
    author = run.name_of(row["UserId"], row["UserDisplayName"])
    url = source_url(run.site, "comment", row["Id"])
    licence_name = licence(row, row["CreationDate"])
    return {
        "topic_id": topic_id,
        "post_number": number,
        "author_id": run.user(row["UserId"]),
        "_on_post": row["PostId"],
        "body_source": row["Text"] + attribution_markdown(author, url, run.host, licence_name),
        "body_html": render_comment(row["Text"]) + attribution_html(author, url, run.host, licence_name),
        "by_staff": False,
        "created_at": row["CreationDate"],
        "edited_at": None,
        "edit_count": 0,
        "score": 0,
    }


def _accept_answers(run: ImportRun, questions: dict) -> list[ImportedAccept]:
    accept_dates = {}
    for row in run.dump.get("Votes", []):
        if row["VoteTypeId"] == 1:
            accept_dates.setdefault(row["PostId"], row["CreationDate"])
    answer_rows = {row["Id"]: row for row in run.dump["Posts"] if row["PostTypeId"] == ANSWER}
    changes, accepts = [], []
    for row in questions.values():
        answer_id = row["AcceptedAnswerId"]
        post_id = run.target("post", answer_id)
        if answer_id is None or post_id is None or run.target("accept", row["Id"]) is not None:
            continue
        topic_id = run.target("topic", row["Id"])
        answer = answer_rows.get(answer_id)
        if answer is None:
            continue
        at = accept_dates.get(answer_id) or answer["CreationDate"]
        asker = run.user(row["OwnerUserId"])
        changes.append({"id": topic_id, "accepted_post_id": post_id, "accepted_at": at, "accepted_by_id": asker})
        run.remember("accept", row["Id"], topic_id)
        run.new_accepts.add(answer_id)
        run.active(row["OwnerUserId"], accept_dates.get(answer_id))
        accepts.append(ImportedAccept(post_id=post_id, answer_author_id=run.user(answer["OwnerUserId"]),
                                      asker_id=asker, at=at))
    if changes:
        run.session.execute(update(Topic), changes)
    return accepts


def _import_nominations(run: ImportRun, rows: list[dict]) -> None:
    new = [row for row in rows if run.target("nomination", row["Id"]) is None]
    run.stats["Posts"].already += len(rows) - len(new)
    values = [
        {
            "site": run.site,
            "source_post_id": row["Id"],
            "user_id": run.user(row["OwnerUserId"]),
            "nominee_name": run.name_of(row["OwnerUserId"], row["OwnerDisplayName"])[:80],
            "body_html": clean_html(row["Body"]),
            "score": row["Score"] or 0,
            "created_at": row["CreationDate"],
            "source_url": f"https://{run.host}/election#post-{row['Id']}",
        }
        for row in new
    ]
    for row, nomination_id in zip(new, run.insert_ids(ModeratorNomination, values)):
        run.remember("nomination", row["Id"], nomination_id)
        run.stats["Posts"].imported += 1
        run.active(row["OwnerUserId"], row["CreationDate"])
