"""A real HTTP server for concurrency tests: uvicorn in a thread over an app with its own engine."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import uvicorn

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve `app` on a free local port; yields the base URL.

    The socket listens before the server thread starts, so clients may connect at once: the
    kernel queues them until uvicorn accepts (no start-up polling).
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()
        app.state.engine.dispose()


def browser(base: str, **headers) -> httpx.Client:
    """An HTTP client that keeps cookies like a browser and does not follow redirects."""
    return httpx.Client(base_url=base, timeout=120, follow_redirects=False, headers=headers)


def csrf(client: httpx.Client, path: str = "/login") -> str:
    """The CSRF token of the forms on a page."""
    return CSRF_RE.search(client.get(path).text).group(1)


def in_parallel(count: int, work: Callable[[int], object]) -> list:
    """Run work(0..count-1) on `count` threads released together; returns the results in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except BaseException as error:  # surfaced below: any crash fails the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results
