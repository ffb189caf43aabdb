#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Issue 12 item 4: WATCHDOG=1 means progress. A stage stuck in a call
that never returns (here the writer opening a FIFO where run.json.tmp
goes, as a hung NFS or SD card would block it) stops the pings within
stall_ms and the run; SIGTERM with a stage stuck ends the process within
stop_timeout_ms; a FIFO in the camera's replay folder is an error, not a
hang. Uses a private notify socket in place of systemd."""
import os
import shutil
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
    print(f"FAIL watchdog_setup: {exe} not built")
    sys.exit(1)


def setup(work, demo, extra=""):
    board = os.path.join(work, "board.conf")
    with open(os.path.join(top, "board", "sim.conf")) as f:
        text = f.read().replace("device = sim/demo", "device = " + demo)
    open(board, "w").write(text)
    conf = os.path.join(work, "fieldscope.conf")
    open(conf, "w").write(
        f"[board]\nname = {board}\n[storage]\nresults_dir = {work}/results\nmin_free_mb = 0\n"
        f"[acquisition]\ntrigger = interval\ninterval_s = 0.1\n"
        f"[model]\ncpu = {top}/tests/firmware/data/thresh_256x256.tflite\n"
        f"[supervision]\nerror_blink_s = 0\nstop_timeout_ms = 1500\n{extra}")
    return conf


def run_with_fifo(work, stall_ms, term_after, min_pings=0):
    """Starts a run, blocks its writer on a FIFO once FOV 2 is complete and
    min_pings pings have come (a loaded machine can reach FOV 2 before the
    first 100 ms ping); returns (rc, stderr, ping times, fifo time, exit
    time, SIGTERM time)."""
    conf = setup(work, os.path.join(top, "board", "sim", "demo"), f"stall_ms = {stall_ms}\n")
    path = os.path.join(work, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.05)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="200000")
    p = subprocess.Popen([exe, "run", "--config", conf], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    run = os.path.join(work, "results", "run-0001")
    t0 = time.time()
    pings, fifo_at, term_at = [], None, None
    while time.time() - t0 < 20:
        try:
            if "WATCHDOG=1" in sock.recv(4096).decode():
                pings.append(time.time() - t0)
        except socket.timeout:
            pass
        if fifo_at is None and len(pings) >= min_pings \
                and os.path.exists(os.path.join(run, "fov-00002", "COMPLETE")):
            try:   # the writer may be writing run.json.tmp right now: retry
                os.mkfifo(os.path.join(run, "run.json.tmp"))
                fifo_at = time.time() - t0
            except FileExistsError:
                pass
        if term_after is not None and fifo_at is not None and term_at is None \
                and time.time() - t0 > fifo_at + term_after:
            p.send_signal(signal.SIGTERM)
            term_at = time.time() - t0
        if p.poll() is not None:
            break
    if p.poll() is None:
        p.kill()
    rc = p.wait()
    sock.close()
    return rc, p.stderr.read().decode(), pings, fifo_at, time.time() - t0, term_at


# ---- a stage hangs: the pings stop and the run ends -------------------------------
with tempfile.TemporaryDirectory(prefix="fw-wd-") as work:
    rc, err, pings, fifo_at, end, _ = run_with_fifo(work, 1000, None, min_pings=3)
    late = [t for t in pings if fifo_at is not None and t > fifo_at + 1.0 + 0.4]
    before = [t for t in pings if fifo_at is not None and t < fifo_at]
    # the FIFO is made only after 3 pings, so "pings while healthy" is this first check
    if fifo_at is None:
        print(f"FAIL watchdog_stops_when_stage_hangs: in 20 s, not both FOV 2 complete and 3 pings "
              f"({len(pings)} pings; exit {rc}: {err.strip().splitlines()[-2:]})")
    elif late:
        print(f"FAIL watchdog_stops_when_stage_hangs: {len(late)} WATCHDOG=1 pings after the writer hung "
              f"(at {fifo_at:.2f} s; last ping {pings[-1]:.2f} s)")
    elif rc != 1 or "writer stage has made no progress" not in err:
        print(f"FAIL watchdog_stops_when_stage_hangs: exit {rc}: {err.strip().splitlines()[-3:]}")
    elif end > fifo_at + 1.0 + 1.5 + 2.0:
        print(f"FAIL watchdog_stops_when_stage_hangs: exited {end - fifo_at:.1f} s after the hang")
    else:
        print("PASS watchdog_stops_when_stage_hangs")
        print(f"  {len(before)} pings while healthy, none after the writer hung; exit {rc} "
              f"{end - fifo_at:.1f} s after the hang")

# ---- SIGTERM while a stage is stuck: bounded ---------------------------------------
with tempfile.TemporaryDirectory(prefix="fw-wd-") as work:
    rc, err, pings, fifo_at, end, term_at = run_with_fifo(work, 0, 0.3)
    if term_at is None:
        print("FAIL sigterm_bounded: SIGTERM never sent")
    elif end - term_at > 1.5 + 1.5:
        print(f"FAIL sigterm_bounded: still running {end - term_at:.1f} s after SIGTERM")
    elif rc != 1 or "did not stop within 1500 ms" not in err:
        print(f"FAIL sigterm_bounded: exit {rc}: {err.strip().splitlines()[-2:]}")
    else:
        print(f"PASS sigterm_bounded")
        print(f"  exit {rc} {end - term_at:.1f} s after SIGTERM with the writer stuck")

# ---- a FIFO among the replayed frames ----------------------------------------------
with tempfile.TemporaryDirectory(prefix="fw-wd-") as work:
    demo = os.path.join(work, "demo")
    shutil.copytree(os.path.join(top, "board", "sim", "demo"), demo)
    names = sorted(n for n in os.listdir(demo) if n.endswith(".png"))
    os.mkfifo(os.path.join(demo, names[0][:-4] + "_zz.png"))
    conf = setup(work, demo, "camera_retries = 1\ncamera_backoff_ms = 10\n")
    try:
        r = subprocess.run([exe, "run", "--config", conf, "--set", "acquisition.max_fovs=4"], capture_output=True,
                           text=True, timeout=20)
        if "not a regular file" not in r.stderr:
            print(f"FAIL camera_fifo_is_an_error: exit {r.returncode}: {r.stderr.strip().splitlines()[-2:]}")
        else:
            print("PASS camera_fifo_is_an_error")
    except subprocess.TimeoutExpired:
        print("FAIL camera_fifo_is_an_error: blocked on the FIFO for 20 s")
