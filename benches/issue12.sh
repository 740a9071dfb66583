#!/usr/bin/env bash
# Every target of issue 12 (all detectors at the speed of one, memory bounded per file),
# measured in one run and printed as one table. Self-contained from a clean clone:
#   bash benches/issue12.sh
# It builds cwfilter and the `trail_stages` example (--release), installs jq, gzip and
# GNU time with apt-get if missing, generates its data with `cwfilter synth` in a temp dir
# (removed afterwards) and measures, pinned to CPU 0 unless said otherwise:
#   - inflate-only CPU of the trail's .json.gz files: flate2 with zlib-rs (the replay's own
#     decoder, `trail_stages inflate`) and single-stream `gzip -dc`; the reader alone
#     (inflate + record splitting, `trail_stages split`); the replay (23 detectors, -j1);
#   - the replay of the same records as JSON Lines against `match --count` of one pattern;
#   - `match --count` against jq, CPU and wall;
#   - the replay with -j2 against -j1 on two CPUs (wall);
#   - peak RSS: the replay of the trail, of the whole trail as ONE `{"Records":[...]}`
#     object, and of the whitespace bomb `{"Records":[` + 1 GiB of spaces + `]}` (gzip).
# Environment: CWF_BENCH_MB (uncompressed trail size, default 500), CWF_BENCH_RUNS (median
# of, default 3), CWF_BOMB_MB (default 1024), CWF_BENCH_SMOKE=1 (40 MB, 1 run, 64 MB bomb),
# CWF_BENCH_DIR (work directory, kept), CWF_BENCH_KEEP=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ ${CWF_BENCH_SMOKE:-0} == 1 ]]; then
    SIZE_MB=${CWF_BENCH_MB:-40} RUNS=${CWF_BENCH_RUNS:-1} BOMB_MB=${CWF_BOMB_MB:-64}
else
    SIZE_MB=${CWF_BENCH_MB:-500} RUNS=${CWF_BENCH_RUNS:-3} BOMB_MB=${CWF_BOMB_MB:-1024}
fi
# The generator writes about 1.24 KB of JSON per event; 5 days of trail.
DAYS=5
EVENTS_PER_DAY=$((SIZE_MB * 1000000 / 1240 / DAYS))

log() { echo "issue12.sh: $*" >&2; }
SUDO=""
if [[ $(id -u) != 0 ]]; then SUDO=sudo; fi
need() { # need COMMAND PACKAGE
    if ! command -v "$1" >/dev/null 2>&1; then
        log "installing $2"
        $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq "$2" >/dev/null
    fi
}
need jq jq
need taskset util-linux
need gzip gzip
[[ -x /usr/bin/time ]] || need /usr/bin/time time

log "building cwfilter and examples/trail_stages (release)"
(cd "$ROOT" && cargo build --release --locked --quiet --bin cwfilter --example trail_stages)
CW="$ROOT/target/release/cwfilter"
STAGES="$ROOT/target/release/examples/trail_stages"

if [[ -n ${CWF_BENCH_DIR:-} ]]; then
    WORK=$CWF_BENCH_DIR
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/cwfilter-issue12.XXXXXX")
fi
cleanup() { if [[ ${CWF_BENCH_KEEP:-0} != 1 && -z ${CWF_BENCH_DIR:-} ]]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT
if (($(nproc) >= 2)); then TWO="0,1"; else TWO="0"; fi

# ---------------------------------------------------------------- data
TRAIL=$WORK/trail JSONL=$WORK/all.jsonl BIG=$WORK/big/one-object.json.gz BOMB=$WORK/bomb/bomb.json.gz
if [[ ! -d $TRAIL/AWSLogs ]]; then
    log "generating the trail: $DAYS days x $EVENTS_PER_DAY events"
    rm -rf "$TRAIL"
    "$CW" synth --days "$DAYS" --events-per-day "$EVENTS_PER_DAY" --seed 7 --out "$TRAIL" >/dev/null 2>&1
fi
[[ -s $JSONL ]] || "$CW" match '' "$TRAIL/AWSLogs" >"$JSONL"
if [[ ! -s $BIG ]]; then
    log "writing the whole trail as one {\"Records\":[...]} object"
    mkdir -p "$WORK/big"
    { printf '{"Records":['; paste -sd, "$JSONL"; printf ']}'; } | gzip -1 >"$BIG"
fi
if [[ ! -s $BOMB ]]; then
    log "writing the whitespace bomb ($BOMB_MB MiB of spaces)"
    mkdir -p "$WORK/bomb"
    { printf '{"Records":['; head -c $((BOMB_MB << 20)) /dev/zero | tr '\0' ' '; printf ']}'; } | gzip -1 >"$BOMB"
fi
JSONL_BYTES=$(stat -c %s "$JSONL")
EVENTS=$(wc -l <"$JSONL")
GZ_FILES=$(find "$TRAIL/AWSLogs" -name '*.gz' | wc -l)
GZ_BYTES=$(find "$TRAIL/AWSLogs" -name '*.gz' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)

# ---------------------------------------------------------------- measuring
# timed OUT CMD...: CMD $RUNS times, stdout to OUT; medians of wall and CPU (user + sys)
# seconds and the largest max RSS (KB) in WALL, CPU, RSS.
WALL=0 CPU=0 RSS=0
timed() {
    local out=$1 walls=() cpus=() rss=0 i e u s m
    shift
    for ((i = 0; i < RUNS; i++)); do
        /usr/bin/time -f "%e %U %S %M" -o "$WORK/time.txt" "$@" >"$out" || {
            local rc=$?
            if ((rc >= 2)) && [[ $rc != "${ALLOW_RC:-}" ]]; then log "failed ($rc): $*"; exit 1; fi
        }
        # GNU time puts "Command exited with non-zero status N" before the figures.
        read -r e u s m < <(tail -n 1 "$WORK/time.txt")
        walls+=("$e")
        cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')")
        ((m > rss)) && rss=$m
    done
    med() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
    WALL=$(printf '%s\n' "${walls[@]}" | med)
    CPU=$(printf '%s\n' "${cpus[@]}" | med)
    RSS=$rss
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "n/a" && a <= b) ? "yes" : "no" }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "n/a" && a >= b) ? "yes" : "no" }'; }
RAW=() TARGETS=()
raw() { RAW+=("$(printf '| %s | %s | %s | %s | %s |' "$@")"); }
target() { TARGETS+=("$(printf '| %s | %s | %s | %s |' "$@")"); }
P0="taskset -c 0"

# ---------------------------------------------------------------- inflate vs replay (one CPU)
log "inflate only: flate2 zlib-rs"
timed "$WORK/inflate.txt" $P0 "$STAGES" inflate "$TRAIL/AWSLogs"
inf_cpu=$CPU; raw "inflate, flate2 zlib-rs (trail_stages inflate)" "$(cat "$WORK/inflate.txt")" "$WALL" "$CPU" "$((RSS / 1024)) MB"
log "inflate only: gzip -dc"
gunzip_all() { find "$1" -name '*.gz' -print0 | sort -z | xargs -0 cat | gzip -dc >/dev/null; }
export -f gunzip_all
timed /dev/null $P0 bash -c 'gunzip_all "$1"' _ "$TRAIL/AWSLogs"
gz_cpu=$CPU; raw "inflate, gzip -dc (one stream)" "$GZ_FILES files" "$WALL" "$CPU" ""
log "reader only: inflate + split"
timed "$WORK/split.txt" $P0 "$STAGES" split "$TRAIL/AWSLogs"
split_cpu=$CPU; raw "reader: inflate + split (trail_stages split)" "$(cat "$WORK/split.txt")" "$WALL" "$CPU" "$((RSS / 1024)) MB"
log "reader + eventTime: full parse (before) and raw scan (after)"
timed /dev/null $P0 "$STAGES" time-parse "$TRAIL/AWSLogs"
raw "reader + eventTime by full parse (the replay before issue 12)" "" "$WALL" "$CPU" ""
timed /dev/null $P0 "$STAGES" time-scan "$TRAIL/AWSLogs"
raw "reader + eventTime by raw scan (after)" "" "$WALL" "$CPU" ""
log "replay -j1"
timed "$WORK/replay1.json" $P0 "$CW" replay -j1 --format json "$TRAIL/AWSLogs"
rep_cpu=$CPU rep1_wall=$WALL
raw "replay -j1 (23 detectors), trail" "$(jq '.inputs.events' "$WORK/replay1.json") events, $(jq '[.detectors[].matched] | add' "$WORK/replay1.json") matches" "$WALL" "$CPU" "$((RSS / 1024)) MB"
r=$(ratio "$rep_cpu" "$inf_cpu")
target "replay CPU <= 1.5x inflate-only CPU (zlib-rs)" "${r}x ($rep_cpu s vs $inf_cpu s; gzip -dc $gz_cpu s: $(ratio "$rep_cpu" "$gz_cpu")x; reader alone $(ratio "$split_cpu" "$inf_cpu")x)" "<= 1.5" "$(le "$r" 1.5)"

# ---------------------------------------------------------------- JSON Lines: 23 detectors vs one
PAT_ROOT='{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
JQ_ROOT='select(.userIdentity.type == "Root" and (.userIdentity | has("invokedBy") | not) and has("eventType") and .eventType != "AwsServiceEvent")'
log "replay of the JSON Lines"
timed "$WORK/replayl.json" $P0 "$CW" replay -j1 --format json "$JSONL"
repl_cpu=$CPU; raw "replay -j1 (23 detectors), JSON Lines" "$(jq '.inputs.events' "$WORK/replayl.json") events" "$WALL" "$CPU" "$((RSS / 1024)) MB"
log "match --count rootAccountUsage"
timed "$WORK/cw.count" $P0 "$CW" match --count "$PAT_ROOT" "$JSONL"
m_cpu=$CPU m_wall=$WALL m_n=$(cat "$WORK/cw.count")
raw "match --count rootAccountUsage, JSON Lines" "$m_n" "$WALL" "$CPU" "$((RSS / 1024)) MB"
r=$(ratio "$repl_cpu" "$m_cpu")
target "JSON Lines: replay (23) <= 2.0x match --count (1)" "${r}x ($repl_cpu s vs $m_cpu s CPU)" "<= 2.0" "$(le "$r" 2.0)"

# ---------------------------------------------------------------- match vs jq
log "jq"
timed "$WORK/jq.count" $P0 bash -c 'jq -c "$1" "$2" | wc -l' _ "$JQ_ROOT" "$JSONL"
jq_n=$(tr -d ' ' <"$WORK/jq.count")
raw "jq -c 'select(...)' \| wc -l (rootAccountUsage)" "$jq_n$([[ $jq_n == "$m_n" ]] && echo ' (counts agree)' || echo ' COUNTS DIFFER')" "$WALL" "$CPU" ""
rc=$(ratio "$CPU" "$m_cpu") rw=$(ratio "$WALL" "$m_wall")
gbs=$(awk -v b="$JSONL_BYTES" -v s="$m_cpu" 'BEGIN { if (s > 0) printf "%.2f", b / 1e9 / s; else print "n/a" }')
ok=$([[ $(ge "$rc" 20) == yes && $(ge "$rw" 20) == yes && $(ge "$gbs" 1) == yes ]] && echo yes || echo no)
target "match --count >= 20x jq (CPU and wall), >= 1 GB/s per core" "${rc}x CPU, ${rw}x wall, $gbs GB/s per CPU s" ">= 20, >= 20, >= 1" "$ok"

# ---------------------------------------------------------------- threads
log "replay -j1 and -j2 on two CPUs"
timed "$WORK/r1.json" taskset -c "$TWO" "$CW" replay -j1 --format json "$TRAIL/AWSLogs"
w1=$WALL; raw "replay -j1, trail, 2 CPUs allowed" "" "$WALL" "$CPU" ""
timed "$WORK/r2.json" taskset -c "$TWO" "$CW" replay -j2 --format json "$TRAIL/AWSLogs"
w2=$WALL rss_trail=$RSS; raw "replay -j2, trail, 2 CPUs" "" "$WALL" "$CPU" "$((RSS / 1024)) MB"
same=$(cmp -s "$WORK/r1.json" "$WORK/r2.json" && echo "reports identical" || echo "REPORTS DIFFER")
r=$(ratio "$w1" "$w2")
target "2 threads >= 1.7x one thread (wall)" "${r}x ($w1 s / $w2 s; $same; load $(cut -d' ' -f1 /proc/loadavg))" ">= 1.7" "$(ge "$r" 1.7)"

# ---------------------------------------------------------------- memory
RUNS_SAVED=$RUNS RUNS=1
log "replay of the trail as one object"
timed "$WORK/big.json" taskset -c "$TWO" "$CW" replay --format json "$BIG"
rss_big=$RSS
raw "replay -j2, whole trail as ONE object ($(($(stat -c %s "$BIG") / 1000000)) MB gzip)" "$(jq '.inputs.events' "$WORK/big.json") events" "$WALL" "$CPU" "$((RSS / 1024)) MB"
worst=$((rss_trail > rss_big ? rss_trail : rss_big))
target "peak RSS < 64 MB on well-formed trails (many files; one object)" "$((rss_trail / 1024)) MB; $((rss_big / 1024)) MB" "< 64 MB" "$([[ $worst -lt 65536 ]] && echo yes || echo no)"
log "replay of the whitespace bomb"
# A zero-record read is exit 2 ("no CloudTrail records found", issue 18); the report is printed.
ALLOW_RC=2 timed "$WORK/bomb.json" taskset -c "$TWO" "$CW" replay --format json "$BOMB"
bomb="$(jq -c '[.inputs.events, .inputs.errors]' "$WORK/bomb.json" 2>/dev/null || echo '?') [events, errors]"
raw "replay, whitespace bomb ($BOMB_MB MiB of spaces, $(($(stat -c %s "$BOMB") / 1000000)) MB gzip)" "$bomb" "$WALL" "$CPU" "$((RSS / 1024)) MB"
target "whitespace bomb: < 300 MB, ends within seconds" "$((RSS / 1024)) MB, $WALL s wall, $bomb" "< 300 MB" "$([[ $RSS -lt 307200 ]] && echo yes || echo no)"
RUNS=$RUNS_SAVED

# ---------------------------------------------------------------- report
echo
echo "cwfilter issue 12 benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "data: $EVENTS events, $((JSONL_BYTES / 1000000)) MB JSON Lines; trail: $GZ_FILES .json.gz files, $((GZ_BYTES / 1000000)) MB gzip; median of $RUNS run(s) (memory rows: 1)"
echo
echo "| target | measured | goal | met |"
echo "|---|---|---|---|"
printf '%s\n' "${TARGETS[@]}"
echo
echo "| measurement | result | wall s | CPU s | peak RSS |"
echo "|---|---|---|---|---|"
printf '%s\n' "${RAW[@]}"
