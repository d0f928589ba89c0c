#!/usr/bin/env python3
"""Deterministic "medium community" forum dataset generator (stdlib only), for bench/load_community.py.

The same neutral format and the same rows as the side-by-side forum harness's gen_dataset.py, so a
community generated here can be compared with other forums loaded from the same files.

Emits a neutral, peer-independent dataset as CSV files plus a manifest:

    users.csv       id,username,email,display_name,joined_at
    categories.csv  id,title,slug,description,position
    topics.csv      id,category_id,user_id,title,slug,created_at,last_posted_at,reply_count,view_count
    posts.csv       id,topic_id,user_id,number,created_at,body      (number 1 = opening post)
    likes.csv       post_id,user_id,created_at
    manifest.json   parameters, row counts, sha256 of each file, benchmark targets

Timestamps are ISO-8601 UTC ("2025-03-01T12:34:56Z").  Post ids are global and
chronological (like a real forum), so a topic's posts are spread over the table.
Every user's password is MANIFEST["password"] (loaders hash it their own way).

Full size (scale 1.0): 20,000 users, 12 categories, 20,000 topics, 400,000 posts
(20,000 opening posts + 380,000 replies, long-tail per topic), 1,000,000 likes,
Markdown-ish bodies of 200-1500 characters.  --scale shrinks users/topics/posts/
likes proportionally (categories stay 12).

Usage: python3 bench/gen_community.py --out var/bench-data/medium [--scale 1.0] [--seed 20261122]
The run is skipped when OUT/manifest.json already matches the parameters.
"""
import argparse
import tempfile
import bisect
import csv
import datetime as dt
import hashlib
import itertools
import json
import math
import os
import random
import re
import sys
import time

GENERATOR_VERSION = 2
PASSWORD = "bench-password-1"

END = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
START = END - dt.timedelta(days=3 * 365)
SPAN_S = (END - START).total_seconds()

WORDS = """the a an and or but if then so because while when where which that this these those
is are was were be been being have has had do does did can could should would will may might must
not no yes very really quite just still already also only even maybe probably actually basically
i you he she it we they me him her us them my your our their its mine yours
forum thread post reply topic category user admin moderator member profile avatar signature
server client database query index table row column cache session cookie token login logout
python django flask fastapi sqlalchemy postgres sqlite redis nginx gunicorn uvicorn docker linux
debian ubuntu kernel driver config file folder path log error warning exception traceback stack
install upgrade update release version patch build test deploy backup restore migrate schema
performance latency throughput memory cpu disk network bandwidth request response timeout retry
feature bug issue fix workaround solution problem question answer idea suggestion proposal
great good nice bad weird strange simple complex easy hard fast slow small large huge tiny
work works worked working try tried trying use used using need needed want wanted think thought
know knew see saw look looked find found get got make made run ran set change changed
time day week month year today yesterday tomorrow morning evening night hour minute second
people someone everyone anyone nobody community project team developer maintainer contributor
code script function method class module package library framework plugin extension theme
page link image video picture screenshot example sample demo tutorial guide documentation docs
thanks thank please sorry hello hi cheers regards welcome agreed exactly indeed interesting
first second third last next previous new old recent latest current default custom manual
garden bike coffee music book movie game travel photo camera kitchen recipe weather weekend
""".split()

FIRST = """alice bob carol dave erin frank grace heidi ivan judy mallory niaj olivia peggy rupert
sybil trent victor walter xavier yolanda zoe liam noah emma ava mia lucas ethan amelia harper
evelyn mason logan elena jakob lena mateo sofia hugo ines omar yara kenji aiko ravi priya chen
wei lars ingrid pablo lucia tomas marta""".split()
LAST = """smith jones brown taylor wilson davies evans thomas johnson roberts walker wright
robinson thompson white hughes edwards green hall wood harris lewis martin jackson clarke
clark turner hill scott cooper morris ward moore king watson baker harrison morgan patel
young allen mitchell james anderson phillips lee bell parker davis miller garcia martinez
kowalski novak schmidt muller rossi silva tanaka sato kim park nguyen""".split()

CATEGORY_NAMES = [
    ("Announcements", "News and announcements from the team"),
    ("General Discussion", "Anything that does not fit elsewhere"),
    ("Help & Support", "Ask the community for help"),
    ("Installation", "Getting it running on your machine"),
    ("Development", "Hacking on the code"),
    ("Feature Requests", "Ideas for new features"),
    ("Bug Reports", "Something broke? Tell us here"),
    ("Showcase", "Show what you built"),
    ("Off Topic", "Coffee, bikes, music and more"),
    ("Tutorials", "Guides written by members"),
    ("Jobs", "Hiring and looking for work"),
    ("Meta", "Discussion about this forum itself"),
]
# relative traffic per category (long tail, deterministic)
CATEGORY_WEIGHTS = [2, 20, 30, 10, 12, 6, 8, 4, 5, 3, 1, 1]


def iso(ts):
    return dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def slugify(text, maxlen=50):
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:maxlen].rstrip("-") or "topic"


def sentence(rng, lo=6, hi=18, inline=True):
    words = rng.choices(WORDS, k=rng.randint(lo, hi))
    if inline:
        r = rng.random()
        i = rng.randrange(len(words))
        if r < 0.08:
            words[i] = "**%s**" % words[i]
        elif r < 0.14:
            words[i] = "*%s*" % words[i]
        elif r < 0.20:
            words[i] = "`%s()`" % words[i]
        elif r < 0.24:
            words[i] = "[%s](https://example.com/%s/%d)" % (words[i], words[i], rng.randrange(1000))
    s = " ".join(words)
    return s[0].upper() + s[1:] + rng.choice(".....?!")


def block(rng, budget):
    r = rng.random()
    if r < 0.66 or budget < 120:
        return " ".join(sentence(rng) for _ in range(rng.randint(1, 4)))
    if r < 0.76:
        return "\n".join("- " + sentence(rng, 3, 9, False) for _ in range(rng.randint(2, 5)))
    if r < 0.80:
        return "\n".join("%d. %s" % (i + 1, sentence(rng, 3, 9, False)) for i in range(rng.randint(2, 4)))
    if r < 0.88:
        return "> " + sentence(rng, 6, 16, False)
    if r < 0.96:
        lang = rng.choice(["python", "bash", "sql", "", "yaml"])
        lines = []
        for _ in range(rng.randint(2, 6)):
            w = rng.choices(WORDS, k=rng.randint(2, 6))
            lines.append("    " * rng.randint(0, 2) + "%s = %s(%s)" % (w[0], w[1], ", ".join(w[2:])))
        return "```%s\n%s\n```" % (lang, "\n".join(lines))
    return "## " + sentence(rng, 2, 6, False).rstrip(".?!")


def make_body(seed, post_id):
    rng = random.Random(seed * 1000003 + post_id)
    target = min(1500, max(200, int(rng.lognormvariate(math.log(560), 0.5))))
    parts = []
    n = 0
    while n < target:
        b = block(rng, 1500 - n)
        if n + len(b) + 2 > 1500:
            b = sentence(rng, 4, 10)
            if n + len(b) + 2 > 1500:
                break
        parts.append(b)
        n += len(b) + 2
    body = "\n\n".join(parts)
    if len(body) < 200:  # pad (can only happen after an early break)
        body += "\n\n" + "Thanks for reading. " * ((200 - len(body)) // 20 + 1)
    return body[:1500]


def title(rng):
    s = " ".join(rng.choices(WORDS, k=rng.randint(3, 10)))
    s = s[0].upper() + s[1:]
    return s + ("?" if rng.random() < 0.3 else "")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def generate(out, scale, seed):
    t0 = time.time()
    rng = random.Random(seed)
    n_users = max(50, int(round(20000 * scale)))
    n_topics = max(50, int(round(20000 * scale)))
    n_posts = max(n_topics * 2, int(round(400000 * scale)))
    n_likes = int(round(1000000 * scale))
    n_replies = n_posts - n_topics
    os.makedirs(out, exist_ok=True)

    # ---- users -----------------------------------------------------------
    users = []
    for uid in range(1, n_users + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        username = "%s_%s%d" % (first, last, uid)
        joined = START.timestamp() - rng.random() * 365 * 86400
        users.append((uid, username, username + "@example.com", "%s %s" % (first.title(), last.title()), iso(joined)))
    with open(os.path.join(out, "users.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "username", "email", "display_name", "joined_at"])
        w.writerows(users)
    # activity: Zipf-like over a shuffled order, so activity does not follow id
    order = list(range(1, n_users + 1))
    rng.shuffle(order)
    act_w = [0.0] * (n_users + 1)
    for rank, uid in enumerate(order, 1):
        act_w[uid] = 1.0 / rank ** 0.8
    user_ids = list(range(1, n_users + 1))
    user_cum = list(itertools.accumulate(act_w[1:]))

    # ---- categories ------------------------------------------------------
    with open(os.path.join(out, "categories.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "title", "slug", "description", "position"])
        for i, (name, desc) in enumerate(CATEGORY_NAMES, 1):
            w.writerow([i, name, slugify(name), desc, i])

    # ---- topics ----------------------------------------------------------
    # creation time: density grows linearly over the 3 years
    t_created = sorted(START.timestamp() + SPAN_S * math.sqrt(rng.random()) * 0.995 for _ in range(n_topics))
    cats = rng.choices(range(1, 13), weights=CATEGORY_WEIGHTS, k=n_topics)
    t_users = rng.choices(user_ids, cum_weights=user_cum, k=n_topics)
    # long-tail reply counts: multinomial over lognormal weights
    tw = [rng.lognormvariate(0.0, 1.3) for _ in range(n_topics)]
    reply_counts = [0] * n_topics
    for ti in rng.choices(range(n_topics), weights=tw, k=n_replies):
        reply_counts[ti] += 1

    # ---- posts (metadata) --------------------------------------------------
    posts = []  # (created_ts, topic_idx, number, user_id)
    last_posted = [0.0] * n_topics
    for ti in range(n_topics):
        t0c = t_created[ti]
        posts.append((t0c, ti, 1, t_users[ti]))
        k = reply_counts[ti]
        if k:
            horizon = END.timestamp() - 60 - t0c
            span = min(horizon, rng.lognormvariate(math.log(3 * 86400), 1.2) * (1 + k / 40.0))
            offs = sorted(span * rng.random() ** 1.7 + 1 for _ in range(k))
            ru = rng.choices(user_ids, cum_weights=user_cum, k=k)
            for j in range(k):
                posts.append((t0c + offs[j], ti, j + 2, ru[j]))
            last_posted[ti] = t0c + offs[-1]
        else:
            last_posted[ti] = t0c
    posts.sort(key=lambda p: (p[0], p[1], p[2]))
    post_author = [0] * (n_posts + 1)
    post_time = [0.0] * (n_posts + 1)
    post_first = [False] * (n_posts + 1)

    with open(os.path.join(out, "topics.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "category_id", "user_id", "title", "slug", "created_at", "last_posted_at", "reply_count", "view_count"])
        for ti in range(n_topics):
            tt = title(rng)
            views = int((reply_counts[ti] + 1) * rng.uniform(3, 30))
            w.writerow([ti + 1, cats[ti], t_users[ti], tt, slugify(tt), iso(t_created[ti]), iso(last_posted[ti]), reply_counts[ti], views])

    print("[gen] metadata ready in %.1fs; writing %d post bodies..." % (time.time() - t0, n_posts), file=sys.stderr)
    with open(os.path.join(out, "posts.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "topic_id", "user_id", "number", "created_at", "body"])
        for pid, (ts, ti, num, uid) in enumerate(posts, 1):
            post_author[pid], post_time[pid], post_first[pid] = uid, ts, num == 1
            w.writerow([pid, ti + 1, uid, num, iso(ts), make_body(seed, pid)])
    del posts

    # ---- likes -------------------------------------------------------------
    print("[gen] posts written in %.1fs; likes..." % (time.time() - t0), file=sys.stderr)
    pw = [0.0] + [rng.lognormvariate(0.0, 1.2) * (3.0 if post_first[p] else 1.0) for p in range(1, n_posts + 1)]
    post_cum = list(itertools.accumulate(pw[1:]))
    seen = set()
    likes = []
    while len(likes) < n_likes:
        need = n_likes - len(likes)
        ps = rng.choices(range(1, n_posts + 1), cum_weights=post_cum, k=need)
        us = [rng.randint(1, n_users) for _ in range(need)]
        for p, u in zip(ps, us):
            if u == post_author[p]:
                continue
            key = p * (n_users + 1) + u
            if key in seen:
                continue
            seen.add(key)
            lt = min(END.timestamp() - 1, post_time[p] + rng.expovariate(1 / (2 * 86400.0)))
            likes.append((p, u, lt))
    del seen
    likes.sort(key=lambda x: (x[2], x[0], x[1]))
    with open(os.path.join(out, "likes.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["post_id", "user_id", "created_at"])
        for p, u, lt in likes:
            w.writerow([p, u, iso(lt)])

    # ---- benchmark targets ---------------------------------------------------
    def closest(n):
        return min(range(n_topics), key=lambda i: (abs(reply_counts[i] - n), i)) + 1

    cat_topics = [0] * 13
    for c in cats:
        cat_topics[c] += 1
    # ~200 replies; 209 replies = 210 posts = 10 full pages + a half-full
    # 11th page at 20 posts/page, so S3 (last page) renders real posts
    s2 = closest(209)
    s5 = closest(20)
    if s5 == s2:
        s5 = closest(21)
    busiest = max(range(1, 13), key=lambda c: (cat_topics[c], -c))
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "scale": scale,
        "python": sys.version.split()[0],
        "password": PASSWORD,
        "time_range": [iso(START.timestamp()), iso(END.timestamp())],
        "counts": {
            "users": n_users, "categories": 12, "topics": n_topics,
            "posts": n_posts, "replies": n_replies, "likes": len(likes),
        },
        "reply_count_stats": {
            "zero": sum(1 for r in reply_counts if r == 0),
            "le5": sum(1 for r in reply_counts if r <= 5),
            "ge100": sum(1 for r in reply_counts if r >= 100),
            "ge200": sum(1 for r in reply_counts if r >= 200),
            "max": max(reply_counts),
            "median": sorted(reply_counts)[n_topics // 2],
        },
        "category_topic_counts": cat_topics[1:],
        "targets": {
            "s2_topic_id": s2, "s2_topic_posts": reply_counts[s2 - 1] + 1,
            "s4_category_id": busiest, "s4_category_topics": cat_topics[busiest],
            "s5_topic_id": s5, "s5_topic_posts": reply_counts[s5 - 1] + 1,
            "s5_user_ids": list(range(1, 17)),
        },
        "files": {},
        "elapsed_s": None,
    }
    for name in ["users.csv", "categories.csv", "topics.csv", "posts.csv", "likes.csv"]:
        p = os.path.join(out, name)
        manifest["files"][name] = {"bytes": os.path.getsize(p), "sha256": sha256(p)}
    manifest["elapsed_s"] = round(time.time() - t0, 1)
    with open(os.path.join(out, "manifest.json.tmp"), "w") as f:
        json.dump(manifest, f, indent=2)
    os.replace(os.path.join(out, "manifest.json.tmp"), os.path.join(out, "manifest.json"))
    return manifest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "forum-bench-data", "medium"))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=20261122)
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args()
    mpath = os.path.join(a.out, "manifest.json")
    if not a.force and os.path.exists(mpath):
        with open(mpath) as f:
            m = json.load(f)
        if (m.get("seed"), m.get("scale"), m.get("generator_version")) == (a.seed, a.scale, GENERATOR_VERSION):
            print("[gen] dataset already present at %s (seed %d, scale %g)" % (a.out, a.seed, a.scale), file=sys.stderr)
            return
    m = generate(a.out, a.scale, a.seed)
    print(json.dumps({k: m[k] for k in ("counts", "reply_count_stats", "targets", "elapsed_s")}, indent=1))


if __name__ == "__main__":
    main()
