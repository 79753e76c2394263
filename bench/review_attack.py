#!/usr/bin/env python3
"""The issue 15 attacks on a running review server, as figures (review_bench.sh).

Usage: review_attack.py PORT PID
Prints one JSON line: the server's peak RSS (MB, sampled every 20 ms from
/proc/PID/status) during a chunked 256 MiB POST to /api/login, the MiB the
server took before it closed; the same for 200 MiB announced by
Content-Length; peak RSS during each of the next attacks; slowloris connections still open after 15 s;
an idle socket still open after 40 s; whether a new client (127.0.0.1 and
127.0.0.2) is served while 400 idle connections are open. Figures, not a test
(tests/review/transport_test.cc asserts the bounds).
"""
import json
import socket
import sys
import threading
import time

if len(sys.argv) != 3 or not all(a.isdigit() for a in sys.argv[1:]):
    print(__doc__.strip())
    sys.exit(0 if len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help") else 2)
PORT = int(sys.argv[1])
PID = int(sys.argv[2])


def rss_mb():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Sampler(threading.Thread):
    """Peak RSS while the `with` block runs (and half a second after it, for
    memory the server frees late)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak, self.stop = rss_mb(), False

    def run(self):
        while not self.stop:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.02)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        time.sleep(0.5)
        self.stop = True
        self.join()
        return False


def send_body(head, blocks, block, tail=b""):
    """Sends a request head, `blocks` copies of `block`, then `tail`; returns
    the bytes of blocks the server took before it closed."""
    s = connect()
    s.settimeout(10)
    sent = 0
    try:
        s.sendall(head)
        for _ in range(blocks):
            s.sendall(block)
            sent += len(block)
        s.sendall(tail)
        s.settimeout(60)
        s.recv(64)
    except OSError:
        pass
    s.close()
    return sent


def connect(source="127.0.0.1"):
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", PORT))
    return s


def closed(s, wait=0.0):
    """True when the server closed s (EOF or reset) within `wait` seconds."""
    s.settimeout(max(wait, 0.001))
    try:
        while True:
            if not s.recv(65536):
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


def served(source):
    try:
        s = connect(source)
        s.sendall(b"GET /api/session HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        s.settimeout(3)
        return s.recv(64).startswith(b"HTTP/1.")
    except OSError:
        return False


out = {"rss_before_mb": round(rss_mb(), 1)}

# 1. Chunked 256 MiB to /api/login.
t0 = time.time()
with Sampler() as sampler:
    sent = send_body(b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n",
                     4096, b"10000\r\n" + b"a" * 0x10000 + b"\r\n", b"0\r\n\r\n")
out.update(chunked_mib_taken=round(sent / 2**20, 1), chunked_seconds=round(time.time() - t0, 1),
           chunked_peak_rss_mb=round(sampler.peak, 1), rss_after_chunked_mb=round(rss_mb(), 1),
           served_after_chunked=served("127.0.0.1"))

# 2. 200 MiB announced by Content-Length, sent as fast as the server takes it.
with Sampler() as sampler:
    sent = send_body(b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 209715200\r\n\r\n", 3200, b"a" * 0x10000)
out.update(length_mib_taken=round(sent / 2**20, 1), length_peak_rss_mb=round(sampler.peak, 1))

# 3. 50 slowloris connections trickling a header byte every second for 15 s.
with Sampler() as sampler:
    slow = []
    for _ in range(50):
        c = connect()
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        slow.append(c)
    idle = connect()  # 4. one socket that never sends a byte
    end = time.time() + 15
    while time.time() < end:
        for c in slow:
            try:
                c.send(b"X")
            except OSError:
                pass
        time.sleep(1)
    out["slowloris_open_after_15s"] = sum(1 for c in slow if not closed(c, 0.05))
out["slowloris_peak_rss_mb"] = round(sampler.peak, 1)
for c in slow:
    c.close()
time.sleep(25)
out["idle_socket_open_after_40s"] = not closed(idle, 0.05)
idle.close()

# 5. 400 idle connections, then a new client from each address.
with Sampler() as sampler:
    flood = []
    for _ in range(400):
        try:
            flood.append(connect())
        except OSError:
            break
    time.sleep(0.5)
    out["flood_connected"] = len(flood)
    out["flood_still_open"] = sum(1 for c in flood if not closed(c, 0.01))
    out["served_127_0_0_1_during_flood"] = served("127.0.0.1")
    out["served_127_0_0_2_during_flood"] = served("127.0.0.2")
    out["rss_during_flood_mb"] = round(rss_mb(), 1)
out["flood_peak_rss_mb"] = round(sampler.peak, 1)
for c in flood:
    c.close()
print(json.dumps(out))
