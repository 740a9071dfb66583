#!/usr/bin/env bash
# Throughput comparisons for cwfilter (issue 6), all in one run, printed as one table:
#   (a) match: `cwfilter match --count` with CIS patterns over uncompressed JSON Lines, against
#       `jq -c 'select(...)' | wc -l` with the equivalent expression (counts must agree) and
#       `grep -F -c` as the raw-scan reference; single core (taskset -c 0).
#   (b) replay: all 23 upstream detectors over a .json.gz trail, against single-stream
#       `gzip -dc` of the same files; on 2 cores and on 1.
#   (c) peak RSS of the replay for the trail and for one twice its size.
#
# Usage (from a clone):  bash benches/compare.sh
# Environment:
#   CWF_BENCH_MB    uncompressed size of the main trail in MB (default 1100, i.e. > 1 GiB)
#   CWF_BENCH_SMOKE=1  quick check: a 40 MB trail, one run each
#   CWF_BENCH_RUNS  runs per measurement, the median is reported (default 3)
#   CWF_BENCH_DIR   work directory (default: a fresh temp dir, removed afterwards)
#   CWF_BENCH_KEEP=1   keep the work directory
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SMOKE=${CWF_BENCH_SMOKE:-0}
if [[ $SMOKE == 1 ]]; then
    SIZE_MB=${CWF_BENCH_MB:-40}
    RUNS=${CWF_BENCH_RUNS:-1}
else
    SIZE_MB=${CWF_BENCH_MB:-1100}
    RUNS=${CWF_BENCH_RUNS:-3}
fi
EVENTS_PER_DAY=100000
# The generator writes about 1.24 KB of JSON per event.
DAYS=$(((SIZE_MB * 1000 + EVENTS_PER_DAY * 124 / 100 - 1) / (EVENTS_PER_DAY * 124 / 100)))
if ((DAYS < 1)); then DAYS=1; fi
if [[ $SMOKE == 1 ]]; then
    EVENTS_PER_DAY=$((SIZE_MB * 1000000 / 1240))
    DAYS=1
fi

log() { echo "compare.sh: $*" >&2; }

need() {
    # need COMMAND PACKAGE
    if ! command -v "$1" >/dev/null 2>&1; then
        log "installing $2"
        local sudo=""
        if [[ $(id -u) != 0 ]]; then sudo=sudo; fi
        $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq "$2" >/dev/null
    fi
}
need jq jq
need taskset util-linux
need gzip gzip
if [[ ! -x /usr/bin/time ]]; then
    log "installing time"
    sudo=""
    if [[ $(id -u) != 0 ]]; then sudo=sudo; fi
    $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq time >/dev/null
fi

log "building cwfilter (release)"
(cd "$ROOT" && cargo build --release --locked --quiet --bin cwfilter)
CW="$ROOT/target/release/cwfilter"

if [[ -n ${CWF_BENCH_DIR:-} ]]; then
    WORK=$CWF_BENCH_DIR
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/cwfilter-bench.XXXXXX")
fi
cleanup() {
    if [[ ${CWF_BENCH_KEEP:-0} != 1 && -z ${CWF_BENCH_DIR:-} ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

CORES=$(nproc)
if ((CORES >= 2)); then ALL_CORES="0,1"; else ALL_CORES="0"; fi

# ---------------------------------------------------------------- data
TRAIL="$WORK/trail"
TRAIL2="$WORK/trail2"
JSONL="$WORK/all.jsonl"
if [[ ! -d $TRAIL/AWSLogs ]]; then
    log "generating the trail: $DAYS day(s) x $EVENTS_PER_DAY events"
    rm -rf "$TRAIL"
    "$CW" synth --days "$DAYS" --events-per-day "$EVENTS_PER_DAY" --seed 7 --out "$TRAIL" 2>&1 | sed 's/^/  /' >&2
fi
if [[ ! -s $JSONL ]]; then
    log "writing the same records as JSON Lines"
    "$CW" match '' "$TRAIL/AWSLogs" >"$JSONL"
fi
if [[ ! -d $TRAIL2/AWSLogs ]]; then
    log "generating the double-size trail for the RSS check"
    rm -rf "$TRAIL2"
    "$CW" synth --days $((DAYS * 2)) --events-per-day "$EVENTS_PER_DAY" --seed 8 --out "$TRAIL2" 2>&1 | sed 's/^/  /' >&2
fi
JSONL_BYTES=$(stat -c %s "$JSONL")
EVENTS=$(wc -l <"$JSONL")
GZ_FILES=$(find "$TRAIL/AWSLogs" -name '*.gz' | wc -l)
GZ_BYTES=$(find "$TRAIL/AWSLogs" -name '*.gz' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)

# ---------------------------------------------------------------- measuring
# run_timed OUTFILE CMD...: runs CMD $RUNS times (stdout to OUTFILE), records median wall
# seconds, median CPU seconds (user+sys, children included) and max RSS in KB in globals.
WALL=0 CPU=0 RSS=0
run_timed() {
    local out=$1
    shift
    local walls=() cpus=() rss=0 i t
    for ((i = 0; i < RUNS; i++)); do
        t=$WORK/time.txt
        /usr/bin/time -f "%e %U %S %M" -o "$t" "$@" >"$out" || {
            local rc=$?
            # `match --count` exits 1 when nothing matched; only 2+ is a failure.
            if ((rc >= 2)); then
                log "failed ($rc): $*"
                exit 1
            fi
        }
        read -r e u s m <"$t"
        walls+=("$e")
        cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')")
        if ((m > rss)); then rss=$m; fi
    done
    WALL=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    CPU=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    RSS=$rss
}

mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", b / 1e6 / s; else print "n/a" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }'; }

ROWS=()
row() { ROWS+=("$(printf '| %s | %s | %s | %s | %s | %s | %s | %s |' "$@")"); }

# ---------------------------------------------------------------- (a) match
declare -A PATTERN JQ
PATTERN[rootAccountUsage]='{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }'
JQ[rootAccountUsage]='select(.userIdentity.type == "Root" and (.userIdentity | has("invokedBy") | not) and has("eventType") and .eventType != "AwsServiceEvent")'
PATTERN[unauthorizedApiCalls]='{ (($.errorCode = "AccessDenied") || ($.errorCode = "AccessDeniedException") || ($.errorCode = "UnauthorizedAccess") || ($.errorCode = "Client.UnauthorizedAccess") || ($.errorCode = "Client.UnauthorizedOperation") || ($.errorCode = "UnauthorizedOperation")) && (($.userIdentity.type NOT EXISTS) || (($.userIdentity.type != "AWSService") && ($.userIdentity.type != "AWSAccount"))) }'
JQ[unauthorizedApiCalls]='select((.errorCode | IN("AccessDenied", "AccessDeniedException", "UnauthorizedAccess", "Client.UnauthorizedAccess", "Client.UnauthorizedOperation", "UnauthorizedOperation")) and ((.userIdentity | has("type") | not) or (.userIdentity.type != "AWSService" and .userIdentity.type != "AWSAccount")))'
PATTERN[consoleLoginWithoutMfa]='{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.responseElements.ConsoleLogin = "Success") && (($.userIdentity.type = "IAMUser") || ($.userIdentity.type = "Root")) }'
JQ[consoleLoginWithoutMfa]='select(.eventName == "ConsoleLogin" and (.additionalEventData | type == "object" and has("MFAUsed")) and .additionalEventData.MFAUsed != "Yes" and .responseElements.ConsoleLogin == "Success" and (.userIdentity.type == "IAMUser" or .userIdentity.type == "Root"))'

MISMATCH=0
for key in rootAccountUsage unauthorizedApiCalls consoleLoginWithoutMfa; do
    log "match $key"
    run_timed "$WORK/cw.count" taskset -c 0 "$CW" match --count "${PATTERN[$key]}" "$JSONL"
    cw_wall=$WALL cw_cpu=$CPU cw_n=$(cat "$WORK/cw.count")
    run_timed "$WORK/jq.count" taskset -c 0 bash -c 'jq -c "$1" "$2" | wc -l' _ "${JQ[$key]}" "$JSONL"
    jq_wall=$WALL jq_cpu=$CPU jq_n=$(tr -d ' ' <"$WORK/jq.count")
    agree="counts agree"
    if [[ $cw_n != "$jq_n" ]]; then
        agree="COUNTS DIFFER (jq $jq_n)"
        MISMATCH=1
    fi
    row "match $key" "cwfilter match --count" "$cw_n" "$cw_wall" "$cw_cpu" \
        "$(mbps "$JSONL_BYTES" "$cw_wall")" "$(mbps "$JSONL_BYTES" "$cw_cpu")" \
        "$(ratio "$jq_wall" "$cw_wall") faster than jq ($agree)"
    row "match $key" "jq -c 'select(...)' \\| wc -l" "$jq_n" "$jq_wall" "$jq_cpu" \
        "$(mbps "$JSONL_BYTES" "$jq_wall")" "$(mbps "$JSONL_BYTES" "$jq_cpu")" "1.0x"
done
log "grep -F -c ConsoleLogin"
run_timed "$WORK/grep.count" taskset -c 0 grep -F -c ConsoleLogin "$JSONL"
row "raw scan reference" "grep -F -c ConsoleLogin" "$(cat "$WORK/grep.count") lines" "$WALL" "$CPU" \
    "$(mbps "$JSONL_BYTES" "$WALL")" "$(mbps "$JSONL_BYTES" "$CPU")" ""

# ---------------------------------------------------------------- (b) replay
log "gzip -dc over all files (single stream)"
gunzip_all() { find "$1" -name '*.gz' -print0 | sort -z | xargs -0 cat | gzip -dc >/dev/null; }
export -f gunzip_all
run_timed /dev/null bash -c 'gunzip_all "$1"' _ "$TRAIL/AWSLogs"
gz_wall=$WALL gz_cpu=$CPU
row "replay 23 detectors" "gzip -dc (one stream, all files)" "$GZ_FILES files" "$gz_wall" "$gz_cpu" \
    "$(mbps "$JSONL_BYTES" "$gz_wall")" "$(mbps "$JSONL_BYTES" "$gz_cpu")" "1.0x"
for cores in "$ALL_CORES" 0; do
    ncores=$(awk -F, '{print NF}' <<<"$cores")
    log "replay on $ncores core(s)"
    run_timed "$WORK/replay.json" taskset -c "$cores" "$CW" replay --format json "$TRAIL/AWSLogs"
    events=$(jq '.inputs.events' "$WORK/replay.json")
    matched=$(jq '[.detectors[].matched] | add' "$WORK/replay.json")
    row "replay 23 detectors" "cwfilter replay --format json, $ncores core(s)" "$events events, $matched matches" \
        "$WALL" "$CPU" "$(mbps "$JSONL_BYTES" "$WALL")" "$(mbps "$JSONL_BYTES" "$CPU")" \
        "$(ratio "$gz_wall" "$WALL") of gunzip speed (wall)"
    if [[ $cores == "$ALL_CORES" ]]; then RSS1=$RSS; fi
done

# ---------------------------------------------------------------- (c) peak RSS
log "replay of the double-size trail (peak RSS)"
RUNS_SAVED=$RUNS
RUNS=1
run_timed "$WORK/replay2.json" taskset -c "$ALL_CORES" "$CW" replay --format json "$TRAIL2/AWSLogs"
RUNS=$RUNS_SAVED
RSS2=$RSS
events2=$(jq '.inputs.events' "$WORK/replay2.json")
bytes2=$("$CW" match '' "$TRAIL2/AWSLogs" | wc -c)
row "peak RSS" "cwfilter replay, $((JSONL_BYTES / 1000000)) MB trail" "$((RSS1 / 1024)) MB" "" "" "" "" ""
row "peak RSS" "cwfilter replay, $((bytes2 / 1000000)) MB trail" "$((RSS2 / 1024)) MB ($events2 events)" "$WALL" "" "" "" ""

# ---------------------------------------------------------------- report
echo
echo "cwfilter benchmarks — $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GB RAM", $2/1048576}' /proc/meminfo); load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "versions: $("$CW" --version 2>/dev/null || echo cwfilter), $(jq --version), $(gzip --version | head -1), $(grep --version | head -1)"
echo "data: $EVENTS events, $((JSONL_BYTES / 1000000)) MB JSON Lines; trail: $GZ_FILES .json.gz files, $((GZ_BYTES / 1000000)) MB compressed"
echo "median of $RUNS run(s); MB/s = uncompressed MB / seconds; CPU s = user + sys"
echo
echo "| benchmark | command | result | wall s | CPU s | MB/s (wall) | MB/s per CPU s | ratio |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
if ((MISMATCH)); then
    echo
    echo "WARNING: cwfilter and jq counts differ for some pattern (see above)"
    exit 1
fi
