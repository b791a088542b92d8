"""Serving several workers, each with its own listening socket on the same port (SO_REUSEPORT).

With one shared socket (uvicorn's own `--workers`), the worker that happens to be awake accepts a
whole burst of new connections: measured here, 64 voters connecting at once landed 80/20 on two
workers, so the second worker did little. With a socket per worker the kernel spreads new
connections over the workers by a hash of their addresses.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import socket
import sys
import time

import uvicorn

APP = "main:create_app"

# No access log: a line per request with the client's address and the second it came would tie
# each device to the moment it cast a ballot (docs/secrecy.md), and writing it cost about 2% of a
# ballot's CPU under a burst. Errors are still logged.

# How long a thread may keep Python's interpreter lock while another waits for it. Request threads
# let go of it at every database call; with the default 5 ms, the thread holding the write lock
# (a group of ballots) waited up to 5 ms to get it back after each statement while other threads
# parsed and rendered, so the write lock was held mostly waiting. At 1 ms a burst of 800 ballots
# cast in process went from about 260 to 370 a second, with p99 latency 237 ms to 179 ms.
SWITCH_INTERVAL_SECONDS = 0.001


# Python's cyclic garbage collector runs its youngest generation every 700 new objects; a ballot's
# request makes a few thousand (ORM rows, headers, dependency results), so it ran several times a
# ballot and took about 7% of a burst's CPU in the profile. The web app makes few cycles worth
# chasing that often; reference counting frees the rest at once.
GC_YOUNGEST_THRESHOLD = 20_000


def tune_interpreter() -> None:
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    gc.collect()
    gc.freeze()  # what is loaded by now lives as long as the process: never scan it again
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNGEST_THRESHOLD, middle, oldest)


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run_worker(host: str, port: int, forwarded_allow_ips: str) -> None:
    tune_interpreter()
    config = uvicorn.Config(APP, factory=True, host=host, port=port, proxy_headers=True,
                            forwarded_allow_ips=forwarded_allow_ips, access_log=False)
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])


def serve(host: str, port: int, workers: int, *, forwarded_allow_ips: str) -> None:
    if workers <= 1:
        tune_interpreter()
        uvicorn.run(APP, factory=True, host=host, port=port, proxy_headers=True,
                    forwarded_allow_ips=forwarded_allow_ips, access_log=False)
        return
    # Spawned, not forked: a fresh interpreter per worker shares no threads or connections.
    context = multiprocessing.get_context("spawn")
    worker_args = (host, port, forwarded_allow_ips)
    processes = [context.Process(target=run_worker, args=worker_args) for _ in range(workers)]
    for process in processes:
        process.start()

    stopping = False

    def stop(_signum, _frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        for n, process in enumerate(processes):
            # A worker that died is replaced, so one crash does not halve the hall's capacity.
            if not process.is_alive() and not stopping:
                processes[n] = context.Process(target=run_worker, args=worker_args)
                processes[n].start()
        time.sleep(0.5)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=15)
