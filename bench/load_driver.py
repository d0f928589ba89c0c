"""Load tools and process accounting for bench/serve_bench.py: wrk or a bounded Python client, /proc CPU and RSS."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TICKS = os.sysconf("SC_CLK_TCK")
REPLY = ("Benchmark reply {n}.\n\nThis is a **load test** reply with a [link](https://example.com/{n}) and some "
         "`inline code`. Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n\n- one\n- two\n- three")


def descendants(root: int) -> list[int]:
    """The process and all its descendants."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU seconds of each live process (children that ended are counted by their parent)."""
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            out[pid] = sum(int(v) for v in fields[11:15]) / TICKS  # utime stime cutime cstime
        except (OSError, IndexError):
            continue
    return out


def rss_mib(pid: int) -> float:
    """Resident memory of one process in MiB."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def drive(client: str, base: str, path: str, connections: int, seconds: float, post=None) -> dict:
    """Run the load for `seconds`; requests, req/s, p50/p99 (ms) and errors."""
    if seconds <= 0:
        return {"requests": 0, "rps": 0.0, "p50_ms": 0.0, "p99_ms": 0.0, "errors": 0}
    return (_wrk if client == "wrk" else _python)(base, path, connections, seconds, post)


def _wrk(base, path, connections, seconds, post) -> dict:
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, WRK_JSON=os.path.join(work, "out.json"))
        if post:
            cfg = os.path.join(work, "sessions.tsv")
            with open(cfg, "w") as handle:
                handle.writelines(f"{cookie}\t{token}\n" for cookie, token in post["sessions"])
            env.update(WRK_POST_CFG=cfg, WRK_POST_PATH=path, WRK_POST_FIELD=post["field"],
                       WRK_TOKEN_FIELD=post["token_field"])
        subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
                        "-s", os.path.join(HERE, "wrk_report.lua"), base + path],
                       env=env, check=True, capture_output=True)
        out = json.load(open(env["WRK_JSON"]))
    expected = {str(post["expected"])} if post else {"200"}
    bad = sum(n for code, n in out["codes"].items() if code not in expected)
    socket = sum(out["errors"][k] for k in ("connect", "read", "write", "timeout"))
    return {"requests": out["requests"], "rps": out["requests"] / (out["duration_us"] / 1e6),
            "p50_ms": out["latency_us"]["p50"] / 1000, "p99_ms": out["latency_us"]["p99"] / 1000,
            "errors": bad + socket}


def _python(base, path, connections, seconds, post) -> dict:
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(1, 10**9))

    def worker(index: int):
        conn = http.client.HTTPConnection(host, port, timeout=30)
        mine, bad = [], 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                if post:
                    cookie, token = post["sessions"][index % len(post["sessions"])]
                    body = urllib.parse.urlencode({post["token_field"]: token, post["field"]: REPLY.format(n=next(counter))})
                    conn.request("POST", path, body=body, headers={
                        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
                else:
                    conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status != (post["expected"] if post else 200):
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q):
        return 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0

    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "p50_ms": pct(0.5), "p99_ms": pct(0.99),
            "errors": errors[0]}
