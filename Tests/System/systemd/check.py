"""Checks the results the systemd system test's guest left (Tests/System/systemd/guest.sh) and prints
one PASS/FAIL line per check; exits 1 on any failure.

    python3 Tests/System/systemd/check.py RESULTS_DIR
"""
import json
import re
import sys
from pathlib import Path

results = Path(sys.argv[1])
failures = 0


def report(ok, name, detail):
    global failures
    failures += not ok
    print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")


def text(name):
    path = results / name
    return path.read_text(errors="replace") if path.exists() else ""


def show(name):
    """`systemctl show` properties segd had at that point ({} when the step did not run)."""
    return dict(line.split("=", 1) for line in text(f"{name}.show").splitlines() if "=" in line)


def state(props):
    return (f"{props.get('ActiveState')}/{props.get('SubState')}, pid {props.get('MainPID')}, "
            f"restarts {props.get('NRestarts')}")


def step(name):
    """(exit status, stdout, stderr) of a guest step; status None when it did not run."""
    status = text(f"{name}.status").strip()
    return (int(status) if status else None), text(f"{name}.out"), text(f"{name}.err")


def failed(name, status, err):
    tail = " | ".join(err.strip().splitlines()[-3:])
    return f"exit status {status} ({'timed out' if status == 124 else tail or 'no output'})"


def ring(name, frames):
    """A `segctl ring read --verify --json` step: that many frames, every checksum right."""
    status, out, err = step(name)
    try:
        r = json.loads(out)
    except ValueError:
        r = None
    if status != 0 or not isinstance(r, dict):
        report(False, name, failed(name, status, err))
        return
    ok = r["frames"] >= frames and r["mismatches"] == 0 and r["verified"]
    report(ok, name, f"{r['frames']} masks read from the ring, {r['mismatches']} checksum mismatches, "
           f"writer {r['writer']}, ring-to-reader latency p50 {r['latency_us_p50']:.0f} us")


def subscriber(name, frames):
    status, out, err = step(name)
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    ok = status == 0 and len(lines) >= frames
    detail = (f"{len(lines)} masks received, frames {[m['frame'] for m in lines]}, "
              f"{lines[0]['width']}x{lines[0]['height']}" if lines else failed(name, status, err))
    report(ok, name, detail)


def capture_line(name):
    """The capture line of a `segctl subscribe --status` step (format, size and fps in use)."""
    out = step(name)[1]
    return next((line for line in out.splitlines() if line.startswith("capture:")), "no capture line in the status")


journal = text("journal.txt")
errors = text("journal-errors.txt")

# segd installs as one file: the Swift runtime linked in, only Debian's libraries loaded.
loaded = re.findall(r"=> (\S+)", text("segd-ldd.txt"))
foreign = [path for path in loaded if not path.startswith(("/lib/", "/usr/lib/"))]
report(bool(loaded) and not foreign, "self-contained",
       f"{len(loaded)} shared libraries, " + (f"from outside the system: {foreign}" if foreign else "all the system's"))

# 1. Readiness: never active without a camera; active once vivid is loaded.
states = [line.split()[1] for line in text("no-camera.states").splitlines() if len(line.split()) == 2]
report(bool(states) and not any(s.startswith("active/") for s in states), "no-camera",
       f"states while /dev/video0 was missing: {sorted(set(states))}")
appeared = show("camera-appeared")
report(appeared.get("ActiveState") == "active", "camera-appeared", state(appeared))

# 2. `systemctl start` returns once READY=1 came: active, status text set, ring and socket there.
status, _, err = step("start")
started = show("start")
files = text("start-files.out")
activating = int(started.get("ActiveEnterTimestampMonotonic", 0)) - int(started.get("ExecMainStartTimestampMonotonic", 0))
seen = [line.split()[1] for line in text("start.states").splitlines() if len(line.split()) == 2]
report(status == 0 and started.get("ActiveState") == "active" and started.get("SubState") == "running",
       "start", f"{state(started)}; {activating / 1000:.0f} ms from exec to READY=1; states seen meanwhile: "
       f"{list(dict.fromkeys(seen))}" if status == 0 else failed("start", status, err))
report("fps" in started.get("StatusText", ""), "status-text", repr(started.get("StatusText")))
report("masks.ring" in files and re.search(r"^s\S+ .*/run/segd\.sock$", files, re.M) is not None,
       "ready-means-ready", "ring and socket present when `systemctl start` returned" if "masks.ring" in files
       else f"missing: {files.strip()}")

# The sandbox as the kernel sees it.
proc = dict(line.split(":", 1) for line in text("proc-status.txt").splitlines() if ":" in line)
proc = {k: v.split() for k, v in proc.items()}
uid = int(proc.get("Uid", ["0"])[0])
report(61184 <= uid <= 65519 and "44" in proc.get("Groups", []), "dynamic-user",
       f"uid {uid}, groups {proc.get('Groups')} (44: video)")
report(proc.get("NoNewPrivs") == ["1"] and proc.get("Seccomp") == ["2"]
       and int(proc.get("CapEff", ["1"])[0], 16) == 0 and int(proc.get("CapBnd", ["1"])[0], 16) == 0,
       "sandbox", f"NoNewPrivs {proc.get('NoNewPrivs')}, Seccomp {proc.get('Seccomp')}, "
       f"CapEff {proc.get('CapEff')}, CapBnd {proc.get('CapBnd')}")
environ = text("environ.txt")
report("WATCHDOG_USEC=10000000" in environ and "LISTEN_FDS=1" in environ and "LISTEN_FDNAMES=subscribers" in environ,
       "environment", environ.strip().replace("\n", ", "))
score = re.search(r"Overall exposure level for segd.service: ([0-9.]+)", text("security.txt"))
report(score is not None and float(score.group(1)) <= 1.0, "security",
       f"systemd-analyze security on the running unit: {score.group(1) if score else 'no score'}")

# 3. Masks flow.
ring("ring", 10)
subscriber("subscribe", 5)
status, out, err = step("status")
report(status == 0 and "fps" in out, "socket-status", out.splitlines()[1] if status == 0 and len(out.splitlines()) > 1
       else failed("status", status, err))

# 4. Reload.
flowing = show("flowing")
valid = show("reload-valid")
status, _, err = step("reload-valid")
taken = capture_line("reload-valid-status")
report(status == 0 and valid.get("ActiveState") == "active" and valid.get("MainPID") == flowing.get("MainPID")
       and "@ 10.0 fps" in taken, "reload-valid", f"{state(valid)} (before: pid {flowing.get('MainPID')}); {taken}")
broken = show("reload-broken")
kept = capture_line("reload-broken-status")
key, _, line = text("broken-key.txt").strip().partition(" ")
named = [entry for entry in errors.splitlines() if key and key in entry]
report(broken.get("ActiveState") == "active" and broken.get("MainPID") == valid.get("MainPID")
       and "@ 10.0 fps" in kept and any(re.search(rf"\bline {line}\b", entry) for entry in named),
       "reload-broken", f"{state(broken)} (before: pid {valid.get('MainPID')}); still {kept}; error logged: "
       f"{named[-1] if named else 'none naming ' + repr(key)} (the key is on line {line})")
ring("after-reload", 3)

# 5. and 6. The watchdog: after a hang and after a camera stall, systemd's own journal lines name
# the process it aborted.
events = text("events.txt")


def watchdog_killed(pattern):
    """Whether systemd aborted, after a watchdog timeout, the process the event names."""
    found = re.search(pattern, events)
    return found is not None and re.search(
        rf"Watchdog timeout.*\n.*Killing process {found.group(1)} \(segd\) with signal SIGABRT", journal) is not None


hang = show("watchdog-hang")
report(hang.get("ActiveState") == "active" and int(hang.get("NRestarts", 0)) > int(broken.get("NRestarts", 0))
       and hang.get("MainPID") != broken.get("MainPID") and watchdog_killed(r"watchdog-hang: SIGSTOP (\d+)"),
       "watchdog-hang", f"stopped process aborted by the watchdog and replaced: {state(hang)}")
ring("after-hang", 3)
stall = show("camera-stall")
report(int(stall.get("NRestarts", 0)) > int(hang.get("NRestarts", 0))
       and watchdog_killed(r"camera-stall: vivid drops every buffer under (\d+)"), "camera-stall",
       f"aborted by the watchdog without frames, restarted: {state(stall)}")
back = show("camera-back")
report(back.get("ActiveState") == "active", "camera-back", state(back))
ring("after-stall", 3)

# 7. Socket activation.
stopped = show("socket-stopped")
listing = text("socket-stopped-files.out")
report(stopped.get("ActiveState") in ("inactive", "failed") and "cannot access '/run/segd'" in listing
       and "/run/segd.sock" in listing and listing.strip().endswith("active"),
       "socket-held", f"service {stopped.get('ActiveState')}, /run/segd removed, socket kept and listening"
       if "cannot access '/run/segd'" in listing else listing.strip())
subscriber("socket-activation", 3)
activated = show("socket-activated")
report(activated.get("ActiveState") == "active", "socket-activated", state(activated))

# 8. A clean stop.
status, _, err = step("stop")
final = show("stopped")
try:
    closed = json.loads(text("closed.out"))
except ValueError:
    closed = {}
report(status == 0 and final.get("Result") == "success" and final.get("ExecMainStatus") == "0",
       "stop", f"{final.get('ActiveState')}, result {final.get('Result')}, exit status {final.get('ExecMainStatus')}")
report(closed.get("writer") == "closed", "ring-closed", f"a reader saw the writer {closed.get('writer')}")
leftovers = text("stopped-files.out")
report(leftovers.count("No such file or directory") == 2, "nothing-left", leftovers.strip().replace("\n", " | "))

# Journald took segd's levels: its errors at priority err, its info lines ("segd ready") not.
segd_errors = [entry for entry in errors.splitlines() if entry.strip()]
report(bool(segd_errors) and "segd ready" in journal and "segd ready" not in errors, "journal-levels",
       f"{len(segd_errors)} line(s) at priority err or above, e.g. {segd_errors[0] if segd_errors else None!r}")

sys.exit(1 if failures else 0)
