#!/usr/bin/env bash
# DenseCRF post-processing (Sources/SegCRF) on aarch64, in executed instructions: the Embedded Swift
# harness (cross/embedded-build.sh) runs `crf WIDTH HEIGHT LABELS ITERATIONS` on a synthetic image
# (cross/harness/SyntheticScene.swift) under qemu-aarch64 with bench/qemu-marker-plugin.c, which
# counts the instructions between the harness's marks around `setImage` (the bilateral lattice) and
# `infer` with ITERATIONS and with 0 mean-field steps; the difference of the two is the iterations.
#
#   bench/crf-arm.sh [--symbols N]
#
# Prints one JSON line per build, CPU and label count (stdout; also .bench/crf-arm/crf-arm.jsonl):
#   lattice_instructions             setImage, one steady-state frame
#   inference_instructions           infer with `iterations` steps (prior, iterations, mask)
#   zero_iteration_instructions      infer with none (prior and mask only)
#   instructions_per_pixel_iteration (inference - zero) / (width * height * iterations)
#   lattice_instructions_per_pixel   lattice_instructions / (width * height)
#   init_instructions                DenseCRF.init (the Gaussian lattice; once per image size)
# and the run's mask digest, label histogram, lattice sizes, which lattices kept Float16 rows and
# heap allocations in the marked calls; a table on stderr. Fails if the two builds disagree on a mask. `--symbols N` also prints,
# for the Cortex-A76 build, the N symbols that executed most of the iterations' instructions (the
# plugin's whole-run per-symbol counts of an ITERATIONS run minus those of a 0-iteration run).
#
# Needs what cross/embedded-build.sh needs, qemu-user (the dynamically linked qemu-aarch64, which
# loads plugins), gcc and python3.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$ROOT/.bench/crf-arm
WIDTH=320
HEIGHT=240
ITERATIONS=5
LABEL_COUNTS="2 21"
SYMBOLS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --symbols) SYMBOLS=$2; shift ;;
    *) echo "usage: bench/crf-arm.sh [--symbols N]" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$WORK"

echo "== build" >&2
gcc -O2 -Wall -shared -fPIC -o "$WORK/libqemu-marker.so" "$ROOT/bench/qemu-marker-plugin.c"
for target in aarch64-a76 aarch64-a72; do
  "$ROOT/cross/embedded-build.sh" "$target" "$WORK/$target" >&2
done

echo "== DenseCRF ${WIDTH}x${HEIGHT}, $ITERATIONS iterations (qemu-user)" >&2
: > "$WORK/crf-arm.jsonl"
for run in "aarch64-a76 cortex-a76" "aarch64-a72 cortex-a72"; do
  read -r target cpu <<< "$run"
  for labels in $LABEL_COUNTS; do
    log=$WORK/$target-$labels.log
    qemu-aarch64 -cpu "$cpu" -plugin "$WORK/libqemu-marker.so" -d plugin \
      "$WORK/$target/kernel-harness" crf "$WIDTH" "$HEIGHT" "$labels" "$ITERATIONS" > "$log" 2>&1
    python3 - "$log" "$target" "$cpu" "$WIDTH" "$HEIGHT" "$labels" "$ITERATIONS" <<'EOF' | tee -a "$WORK/crf-arm.jsonl"
import json, re, sys
text = open(sys.argv[1]).read()
target, cpu = sys.argv[2:4]
width, height, labels, iterations = map(int, sys.argv[4:8])
marks = [int(m) for m in re.findall(r"^mark \d+ (\d+)$", text, re.M)]
line = re.search(r"^crf \S+ labels=\d+ iterations=\d+ digest=(\w+) unary-digest=(\w+) changed=(\d+) "
                 r"histogram=([\d,]+) vertices=(\d+),(\d+) half=(\d) allocations=(\d+)$", text, re.M)
if len(marks) != 8 or not line:
    sys.exit(f"no marks for {labels} labels on {cpu}:\n" + text[-2000:])
init, lattice, inference, zero = (marks[i + 1] - marks[i] for i in (0, 2, 4, 6))
pixels = width * height
print(json.dumps({
    "target": target, "cpu": cpu, "width": width, "height": height, "labels": labels, "iterations": iterations,
    "lattice_instructions": lattice, "inference_instructions": inference,
    "instructions_per_pixel_iteration": round((inference - zero) / (pixels * iterations), 1),
    "lattice_instructions_per_pixel": round(lattice / pixels, 1),
    "zero_iteration_instructions": zero, "init_instructions": init,
    "vertices": {"gaussian": int(line.group(5)), "bilateral": int(line.group(6))},
    "digest": line.group(1), "unary_digest": line.group(2), "changed_pixels": int(line.group(3)),
    "half_precision_rows": line.group(7) == "1",
    "histogram": [int(n) for n in line.group(4).split(",")], "allocations": int(line.group(8))}))
EOF
  done
done

python3 - "$WORK/crf-arm.jsonl" >&2 <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print(f"{'cpu':<11} {'labels':>6} {'lattice/px':>10} {'insns/px/iter':>13} {'setImage':>13} {'infer':>13} {'digest':<16} allocs")
for r in rows:
    print(f"{r['cpu']:<11} {r['labels']:>6} {r['lattice_instructions_per_pixel']:>10} {r['instructions_per_pixel_iteration']:>13} "
          f"{r['lattice_instructions']:>13,} {r['inference_instructions']:>13,} {r['digest']:<16} {r['allocations']}")
digests = {}
for r in rows:
    digests.setdefault(r["labels"], set()).add(r["digest"])
split = [labels for labels, seen in digests.items() if len(seen) > 1]
if split:
    sys.exit(f"masks differ between builds for {split} labels")
print("masks identical across builds")
EOF

if [ "$SYMBOLS" -gt 0 ]; then
  for labels in $LABEL_COUNTS; do
    echo "== cortex-a76, $labels labels: the $SYMBOLS symbols with the most instructions in $ITERATIONS iterations" >&2
    for steps in "$ITERATIONS" 0; do
      qemu-aarch64 -cpu cortex-a76 -plugin "$WORK/libqemu-marker.so,symbols=1000" -d plugin \
        "$WORK/aarch64-a76/kernel-harness" crf "$WIDTH" "$HEIGHT" "$labels" "$steps" 2>&1 | grep '^symbol ' > "$WORK/symbols-$labels-$steps.txt"
    done
    python3 - "$WORK/symbols-$labels-$ITERATIONS.txt" "$WORK/symbols-$labels-0.txt" "$SYMBOLS" <<'EOF' | swift demangle --simplified >&2
import sys
def counts(path):
    table = {}
    for line in open(path):
        _, n, name = line.split(maxsplit=2)
        table[name.strip()] = int(n)
    return table
busy, idle = counts(sys.argv[1]), counts(sys.argv[2])
spent = sorted(((n - idle.get(name, 0), name) for name, n in busy.items()), reverse=True)
total = sum(n for n, _ in spent)
for n, name in spent[:int(sys.argv[3])]:
    print(f"{n:>13,} {100 * n / total:5.1f}%  {name}")
EOF
  done
fi
