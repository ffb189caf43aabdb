#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""systemd supervision: the loop sends READY=1 after its self-test, WATCHDOG=1
at half of WATCHDOG_USEC while it runs, and STOPPING=1 on SIGTERM — checked
with a private notify socket in place of systemd."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

top = os.environ.get("FS_TOP", os.path.join(os.path.dirname(__file__), "..", ".."))
rel = os.environ.get("FS_REL_BIN", os.path.join(top, "build", "bin"))
exe = os.path.join(rel, "fieldscope")
if not os.access(exe, os.X_OK):
    print(f"FAIL sd_notify_ready_watchdog: {exe} not built")
    sys.exit(1)

with tempfile.TemporaryDirectory(prefix="fw-notify-") as work:
    board = os.path.join(work, "board.conf")
    with open(os.path.join(top, "board", "sim.conf")) as f:
        text = f.read().replace("device = sim/demo", "device = " + os.path.join(top, "board", "sim", "demo"))
    open(board, "w").write(text)
    conf = os.path.join(work, "fieldscope.conf")
    open(conf, "w").write(
        f"[board]\nname = {board}\n[storage]\nresults_dir = {work}/results\nmin_free_mb = 0\n"
        f"[acquisition]\ntrigger = interval\ninterval_s = 0.3\n"
        f"[model]\ncpu = {top}/tests/firmware/data/thresh_256x256.tflite\n"
        f"[supervision]\nerror_blink_s = 0\n")
    path = os.path.join(work, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.1)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="200000")
    p = subprocess.Popen([exe, "run", "--config", conf], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    msgs = []
    t0 = time.time()
    stopped_at = None
    ready_at = None
    # 1.5 s of running counted from READY=1: start-up (self-test, model load)
    # takes seconds under qemu-user on a loaded machine.
    while time.time() - t0 < 60:
        try:
            msgs.append((time.time() - t0, sock.recv(4096).decode()))
            if ready_at is None and "READY=1" in msgs[-1][1]:
                ready_at = msgs[-1][0]
        except socket.timeout:
            pass
        if stopped_at is None and ready_at is not None and time.time() - t0 > ready_at + 1.5:
            p.send_signal(signal.SIGTERM)
            stopped_at = time.time() - t0
        if p.poll() is not None:
            break
    if stopped_at is None and p.poll() is None:
        p.send_signal(signal.SIGTERM)  # never became ready: stop it anyway
    rc = p.wait(timeout=10)
    err = p.stderr.read().decode()
    ready = [t for t, m in msgs if "READY=1" in m]
    dogs = [t for t, m in msgs if "WATCHDOG=1" in m]
    stopping = [t for t, m in msgs if "STOPPING=1" in m]
    problems = []
    if rc != 0:
        problems.append(f"exit {rc}: {err.strip().splitlines()[-1:]}")
    if not ready:
        problems.append("no READY=1")
    # 100 ms period over ~1.5 s of running
    if len(dogs) < 5:
        problems.append(f"only {len(dogs)} WATCHDOG=1 pings")
    if not stopping:
        problems.append("no STOPPING=1 after SIGTERM")
    run = json.load(open(os.path.join(work, "results", "run-0001", "run.json")))
    if run["status"] != "stopped by SIGTERM":
        problems.append("status " + run["status"])
    if any(v for v in run.get("sim_leds_at_exit", {"?": 1}).values()):
        problems.append("LEDs lit at exit")
    if problems:
        print("FAIL sd_notify_ready_watchdog: " + "; ".join(problems))
    else:
        print(f"PASS sd_notify_ready_watchdog")
        print(f"  READY at {ready[0]:.2f} s, {len(dogs)} watchdog pings, STOPPING after SIGTERM")
