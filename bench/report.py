#!/usr/bin/env python3
"""Writes docs/performance.md (to stdout) from the JSON lines bench/run.sh collected in DIR."""
import datetime
import json
import os
import platform
import re
import subprocess
import sys

DIR = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The targets: conv 3x3 and 1x1 (depthwise excluded) on aarch64, and on x86 with >= 64 channels.
TARGET_CONVS = ["conv3x3-d12", "conv1x1-1024", "conv3x3-64", "conv3x3-64-s2", "conv1x1-256-crp"]
DOT_LIMIT, NODOT_LIMIT, X86_GMACS = 0.12, 0.30, 100.0
NETWORK_DOT_LIMIT = 0.15


def load(name):
    path = os.path.join(DIR, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def run(*command):
    try:
        return subprocess.run(command, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return ""


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


x86 = load("x86.jsonl")
widening = {r["name"]: r for r in load("x86-widening.jsonl")}
peer = {r["name"]: r for r in load("peer.jsonl")}
arm = load("arm.jsonl")
arm_network = load("arm-network.jsonl")

out = []
w = out.append
w("# Kernel performance")
w("")
w("Written by `bench/run.sh` (one command: it builds, measures and rewrites this file). "
  "Figures are one thread. x86_64 times are medians of repeated runs on a shared, noisy machine: "
  "compare the ratio to onnxruntime measured in the same run, not absolute numbers across runs. "
  "ARM figures are executed instructions counted under qemu-user (`bench/qemu-marker-plugin.c`), "
  "repeatable and independent of the host's load; they are work, not cycles.")
w("")
w(f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
w(f"- commit: `{run('git', 'rev-parse', '--short', 'HEAD') or 'unknown'}`")
w(f"- x86_64 CPU: {cpu_model()}, {os.cpu_count()} cores")
w(f"- toolchain: {run('swift', '--version').splitlines()[0] if run('swift', '--version') else 'unknown'}")
qemu = run("qemu-aarch64", "--version")
w(f"- qemu-user: {qemu.splitlines()[0] if qemu else 'not run'}")
if peer:
    w(f"- peer: onnxruntime {next(iter(peer.values()))['onnxruntime']}, QLinearConv with uint8 activations and "
      "int8 per-channel weights (its fast u8s8 path), `intra_op_num_threads=1`")
w("")

# Targets.
w("## Targets")
w("")
w("| target | workloads | measured | met |")
w("|---|---|---|---|")


def arm_ratio(name, cpu):
    for r in arm:
        if r["name"] == name and r["cpu"] == cpu and r["macs"] > 0:
            return r["instructions"] / r["macs"]
    return None


for cpu, limit, label in [("cortex-a76", DOT_LIMIT, "aarch64 conv 3x3 and 1x1, DotProd (Cortex-A76)"),
                          ("cortex-a72", NODOT_LIMIT, "aarch64 conv 3x3 and 1x1, no DotProd (Cortex-A72)")]:
    values = [(n, arm_ratio(n, cpu)) for n in TARGET_CONVS]
    values = [(n, v) for n, v in values if v is not None]
    if values:
        worst = max(v for _, v in values)
        w(f"| {label}: <= {limit} instructions/MAC | {', '.join(n for n, _ in values)} | "
          f"{min(v for _, v in values):.3f} ... {worst:.3f} | {'yes' if worst <= limit else 'NO'} |")
x86_target = [r for r in x86 if r["name"] in TARGET_CONVS]
if x86_target:
    rates = [r["macs"] / r["ms"] / 1e6 for r in x86_target]
    w(f"| x86_64 conv 3x3 and 1x1, >= 64 channels: >= {X86_GMACS:.0f} GMAC/s | {', '.join(r['name'] for r in x86_target)} | "
      f"{min(rates):.0f} ... {max(rates):.0f} GMAC/s | {'yes' if min(rates) >= X86_GMACS else 'NO'} |")
allocations = os.path.join(DIR, "allocations.txt")
if os.path.exists(allocations):
    lines = [l for l in open(allocations).read().splitlines() if l.startswith("allocations ")]
    bad = [l for l in lines if not l.endswith(": 0")]
    w(f"| no allocation inside a kernel call | every workload, every path (aarch64 Cortex-A76 build, linker-wrapped allocator) | "
      f"{len(lines) - len(bad)} of {len(lines)} calls allocate nothing | {'yes' if lines and not bad else 'NO'} |")
w("")

# x86.
w("## x86_64, one thread")
w("")
w("| workload | shape | ms | GMAC/s | widening path GMAC/s | onnxruntime ms | onnxruntime GMAC/s | segd / onnxruntime speed |")
w("|---|---|---:|---:|---:|---:|---:|---:|")
for r in x86:
    rate = f"{r['macs'] / r['ms'] / 1e6:.1f}" if r["macs"] else f"{r['outputs'] / r['ms'] / 1e6:.2f} Gout/s"
    wide = widening.get(r["name"])
    wide_rate = f"{wide['macs'] / wide['ms'] / 1e6:.1f}" if wide and wide["macs"] else ""
    p = peer.get(r["name"])
    peer_cells = f"{p['ms']:.3f} | {p['gmacs']:.1f} | {p['ms'] / r['ms']:.2f}x" if p else " | | "
    w(f"| {r['name']} | {r['detail']} | {r['ms']:.3f} | {rate} | {wide_rate} | {peer_cells} |")
w("")

# ARM.
if arm:
    w("## ARM: executed instructions per MAC (per output element where a kernel does no MACs)")
    w("")
    w("One run of each workload between two marks. Cortex-A76 runs the generic aarch64 library tuned for it with "
      "the DotProd (`sdot`) kernels; Cortex-A72 has no DotProd, so the same dispatch picks the widening "
      "(`smull`/`smlal2`/`sadalp`) kernels; armv7 (Cortex-A7, NEON) always uses the widening kernels.")
    w("")
    cpus = ["cortex-a76", "cortex-a72", "cortex-a7"]
    w("| workload | " + " | ".join(cpus) + " | unit |")
    w("|---|" + "---:|" * len(cpus) + "---|")
    names = []
    for r in arm:
        if r["name"] not in names:
            names.append(r["name"])
    for name in names:
        cells, unit = [], "instructions/MAC"
        for cpu in cpus:
            r = next((x for x in arm if x["name"] == name and x["cpu"] == cpu), None)
            if r is None:
                cells.append("")
            elif r["macs"]:
                cells.append(f"{r['instructions'] / r['macs']:.3f}")
            else:
                cells.append(f"{r['instructions'] / r['outputs']:.2f}")
                unit = "instructions/output"
        w(f"| {name} | " + " | ".join(cells) + f" | {unit} |")
    w("")
    w("Workload shapes:")
    w("")
    seen = set()
    for r in arm:
        if r["name"] not in seen and r["cpu"] == "cortex-a76":
            seen.add(r["name"])
            w(f"- `{r['name']}`: {re.sub(r'; (dot-product|widening) kernel$', '', r['detail'])}")
    w("")

# Whole networks on ARM.
if arm_network:
    w("## ARM: whole network, executed instructions per MAC")
    w("")
    w("One int8 inference on one thread of each model compiled from its 321x321 ONNX fixture (`segctl compile`, "
      "default quantization, calibrated on the `scripts/fetch-images.sh` photos), counted between two marks around "
      "`NetworkExecutor.run()` in the Embedded Swift harness (`kernel-harness network MODEL SEED`) and divided by "
      "the program's MACs. Everything the executor runs counts: convolution packing, micro-kernels and "
      "requantization, depthwise convolutions, pooling, adds, resizes, argmax. The aarch64-a72 build (the "
      "widening kernels) runs on Cortex-A72, the aarch64-a76 build (DotProd) on Cortex-A76.")
    w("")
    w(f"| model | MACs | layers | Cortex-A76 instructions | Cortex-A76 instructions/MAC | Cortex-A72 instructions | "
      f"Cortex-A72 instructions/MAC | heap allocations in the run | <= {NETWORK_DOT_LIMIT} instructions/MAC with DotProd |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    models = []
    for r in arm_network:
        if r["model"] not in models:
            models.append(r["model"])
    for model in models:
        runs = {r["cpu"]: r for r in arm_network if r["model"] == model}
        first = next(iter(runs.values()))
        cells = []
        for cpu in ["cortex-a76", "cortex-a72"]:
            r = runs.get(cpu)
            cells += [f"{r['instructions']:,}", f"{r['instructions'] / r['macs']:.3f}"] if r else ["", ""]
        dot = runs.get("cortex-a76")
        met = ("yes" if dot["instructions"] / dot["macs"] <= NETWORK_DOT_LIMIT else "NO") if dot else ""
        allocations = ", ".join(str(r["allocations"]) for r in runs.values())
        w(f"| {model} | {first['macs']:,} | {first['layers']} | " + " | ".join(cells) + f" | {allocations} | {met} |")
    w("")

# Micro-kernel instruction mix.
mixes = [(cpu, os.path.join(DIR, f"mnemonics-{cpu}.txt")) for cpu in ["cortex-a76", "cortex-a72"]]
mixes = [(cpu, path) for cpu, path in mixes if os.path.exists(path)]
if mixes:
    w("## What the micro-kernels execute")
    w("")
    w("Executed instructions by mnemonic inside the convolution micro-kernel (`computeSDOT` on Cortex-A76, "
      "`WideningConvTile.compute` on Cortex-A72), for the warm-up and the measured run of `conv1x1-1024`.")
    w("")
    for cpu, path in mixes:
        rows = [l.split() for l in open(path).read().splitlines()]
        rows = [(int(r[1]), r[2]) for r in rows if len(r) == 3]
        total = sum(n for n, _ in rows)
        if not total:
            continue
        cells = ", ".join(f"`{m}` {100 * n / total:.1f}%" for n, m in rows[:8])
        w(f"- {cpu}: {cells} (of {total:,} instructions)")
    listing = os.path.join(DIR, "computeSDOT.s")
    if os.path.exists(listing):
        text = open(listing).read()
        sdot = len(re.findall(r"\bsdot\b", text))
        total = len(re.findall(r"^\s*[0-9a-f]+:\s+\S", text, re.M))
        w("")
        w(f"qemu 7.2's disassembler does not decode DotProd and prints `sdot` as `.byte`; objdump of the same "
          f"binary lists {sdot} `sdot` (indexed form, `sdot v.4s, v.16b, v.4b[lane]`) among the {total} "
          "instructions of `computeSDOT`: its main loop is 4 input loads, 8 weight-pair loads and 64 `sdot` "
          "per 16 input channels of a 4 x 16 tile.")
    w("")
print("\n".join(out))
