#!/bin/bash
# docs/json-schema.md is the contract of `-o json`: the real output of
# `podenter list -A --all -o json` and `podenter inspect -o json` on every
# fixture node, and on a real process of this machine, has exactly the
# documented fields, with the documented types, nullability and value sets.
source "$TESTLIB"

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
DOC=$top/docs/json-schema.md

check() { # label json-text
	/usr/bin/python3 - "$DOC" "$1" "$2" <<'EOF'
import json
import re
import sys

doc, label, text = sys.argv[1], sys.argv[2], sys.argv[3]
rows = {}
for line in open(doc):
    m = re.match(r"^\| `([a-z_]+)` \| (\w+) \| (yes|no) \| (.*) \|$", line)
    if m:
        rows[m.group(1)] = (m.group(2), m.group(3) == "yes", m.group(4))
if len(rows) < 10:
    print(f"not ok - {label}: the field table of {doc} was not found")
    sys.exit(1)

types = {"string": str, "integer": int, "boolean": bool, "object": dict}


def enum_of(meaning):
    """The documented value set: the backquoted words after 'one of',
    'among' or a colon."""
    m = re.search(r"(one of|among|came from:|class from the cgroup path:) (.*)", meaning)
    return set(re.findall(r"`([^`]+)`", m.group(2))) if m else None


data = json.loads(text)
objs = data if isinstance(data, list) else [data]
errors = []
for o in objs:
    name = f"{o.get('namespace')}/{o.get('pod')}/{o.get('container')}"
    keys = set(o)
    if keys != set(rows):
        errors.append(f"{name}: fields {sorted(keys ^ set(rows))} differ from the document")
    for k, (t, nullable, meaning) in rows.items():
        if k not in o:
            continue
        v = o[k]
        if v is None:
            if not nullable:
                errors.append(f"{name}: {k} is null, documented as never null")
            continue
        if type(v) is not types[t]:  # bool is not int here
            errors.append(f"{name}: {k} is {type(v).__name__}, documented {t}")
            continue
        allowed = enum_of(meaning)
        if k == "namespaces":
            bad = [n for n, ino in v.items() if n not in allowed or type(ino) is not int]
            if bad:
                errors.append(f"{name}: namespaces has undocumented keys/values {bad}")
        elif allowed and t == "string" and v not in allowed:
            errors.append(f"{name}: {k} = {v!r}, not among {sorted(allowed)}")
for e in errors[:20]:
    print(f"  {e}")
print(("not ok - " if errors else "ok - ") + f"{label}: {len(objs)} records match docs/json-schema.md")
sys.exit(1 if errors else 0)
EOF
}

result() { # label json
	if check "$@"; then T_PASSED=$((T_PASSED + 1)); else T_FAILED=$((T_FAILED + 1)); fi
}

n=0
for node in "$FIXTURES"/*/; do
	[ -d "$node" ] || continue
	name=$(basename "$node")
	n=$((n + 1))
	# every fixture node holds running containers: list, and inspect of the
	# first running one, must work on each (a failure is never skipped;
	# inspect of an exited container exits 125, "not running")
	if ! out=$("$PODENTER" --host-root "$node" list -A --all -q -o json 2>"$T_TMP/err"); then
		t_fail "list on fixture $name: exit status not 0: $(head -3 "$T_TMP/err")"
		continue
	fi
	if [ -z "$out" ] || [ "$out" = "[ ]" ] || [ "$out" = "[]" ]; then
		t_fail "list on fixture $name shows no container"
		continue
	fi
	result "list on fixture $name" "$out"
	first=$(printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); c=[x for x in d if not x["is_sandbox"] and x["pod"] and x["state"] == "running"]; print(c[0]["namespace"] + "/" + c[0]["pod"] + " " + c[0]["container"]) if c else None')
	if [ -z "$first" ] || [ "$first" = None ]; then
		t_fail "fixture $name: list shows no running container of a pod to inspect"
		continue
	fi
	if ! out=$("$PODENTER" --host-root "$node" inspect -q -o json "${first% *}" -c "${first#* }" 2>"$T_TMP/err"); then
		t_fail "inspect $first on fixture $name: exit status not 0: $(head -3 "$T_TMP/err")"
		continue
	fi
	result "inspect on fixture $name" "$out"
done
t_expect_eq "every fixture node was checked" "$n" "$(find "$FIXTURES" -mindepth 1 -maxdepth 1 -type d | wc -l)"
t_expect_match "there are fixture nodes" "$n" "^[1-9]"

# a real process: namespaces and start time from the kernel
sleeper=$(t_spawn sleep 1000)
out=$("$PODENTER" inspect -q -o json "pid:$sleeper" 2>/dev/null)
result "inspect of a real process" "$out"
t_expect_eq "real process: the net namespace inode is the kernel's" \
	"$(t_json "$out" "d['namespaces']['net']")" "$(readlink "/proc/$sleeper/ns/net" | tr -dc 0-9)"

t_done
