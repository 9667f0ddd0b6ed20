# The Kubernetes manifests of `regbench k8s` (docs/scale-out.md), and the
# Job's command run locally:
#   1. renders a small scenario as N=3 shards (stdout, and --out DIR: the same
#      documents), parses the YAML (PyYAML) and checks the Indexed Job
#      (completionMode Indexed, completions = parallelism = N, restartPolicy
#      Never, the shard command), the credentials' env (optional secretKeyRef),
#      the volumes (the scenario's ConfigMap, the results claim) and the
#      suspended merge Job;
#   2. scenario files and --set values that are hard for YAML and for
#      Kubernetes' $(VAR) expansion come back from the parsed manifest exactly;
#   3. bad input: one clear line, exit 2, nothing on stdout;
#   4. deploy/kubernetes/example/ is what `regbench k8s` renders now;
#   5. runs the pods of the parsed Job as N separate processes against a
#      crane registry on 127.0.0.1 (tests/tools/k8s_local.py: the command and
#      args from the manifest, $(VAR) expanded as Kubernetes does, each with
#      JOB_COMPLETION_INDEX, HOSTNAME=<job>-<i>, the Secret's credentials, its
#      own working directory; /results mapped to one shared directory, the
#      ConfigMap written from the manifest), then the merge Job's pod, and
#      checks the merged results: status ok, N shards, operation counts the
#      sum of the shards'.
source "$(dirname "$0")/lib.sh"

K8S_LOCAL="$RB_SRC/tests/tools/k8s_local.py"
N=3
RUN_ID=k8s-test-1
SCEN="$SCN/k8s_job.lua"
start_crane reg

render=(k8s "$SCEN" --shards "$N" --target "$reg_URL" --run-id "$RUN_ID" --name rbtest --namespace bench
        --secret rbtest-creds --results-pvc rbtest-results --barrier-timeout 2m --set vus=6
        --threshold 'errors == 0')

# ---- 1. render, parse, check -------------------------------------------------------
run_rb 0 "${render[@]}"
cp "$WORK/out.txt" "$WORK/stream.yaml"
[ ! -s "$WORK/err.txt" ] || { cat "$WORK/err.txt"; fail "rendering to stdout printed on stderr"; }
run_rb 0 "${render[@]}" --out "$WORK/manifests"
expect_grep "$WORK/err.txt" "^regbench k8s: wrote configmap.yaml, job.yaml, merge-job.yaml in $WORK/manifests/"

# check_manifests FILE...: the documents parse and say what the Job must say.
check_manifests() {
  python3 - "$SCEN" "$N" "$RUN_ID" "$reg_URL" "$@" <<'EOF'
import sys, yaml
scen, n, run_id, url, files = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
docs = [d for f in files for d in yaml.safe_load_all(open(f, encoding="utf-8")) if d is not None]
def check(cond, what):
    if not cond:
        sys.exit(f"manifest check failed: {what}")
kinds = [(d["kind"], d["metadata"]["name"]) for d in docs]
check(kinds == [("ConfigMap", "rbtest-scenario"), ("Job", "rbtest"), ("Job", "rbtest-merge")], f"objects {kinds}")
check(all(d["metadata"]["namespace"] == "bench" for d in docs), "namespace bench on every object")
cm, job, merge = docs

# the scenario, byte for byte, under its file name
check(cm["data"] == {"k8s_job.lua": open(scen, encoding="utf-8", newline="").read()}, "ConfigMap data is the scenario")

s = job["spec"]
check(s["completionMode"] == "Indexed", "completionMode: Indexed")
check(s["completions"] == n and s["parallelism"] == n, f"completions = parallelism = {n}: {s['completions']}, {s['parallelism']}")
check(s["backoffLimit"] == 0, "backoffLimit 0 (a retried shard cannot rejoin the barriers)")
pod = s["template"]["spec"]
check(pod["restartPolicy"] == "Never", "restartPolicy: Never")
check(len(pod["containers"]) == 1, "one container")
c = pod["containers"][0]
words = c["command"] + c["args"]
check(words[:4] == ["regbench", "run", "/scenario/k8s_job.lua", "--shard"], f"command {words[:4]}")
def opt(name):
    check(words.count(name) == 1, f"{name} once in {words}")
    return words[words.index(name) + 1]
check(opt("--shard") == f"$(JOB_COMPLETION_INDEX)/{n}", "--shard $(JOB_COMPLETION_INDEX)/N")
check(opt("--target") == url, "--target")
check(opt("--run-id") == run_id, "--run-id")
check(opt("--out") == f"/results/{run_id}/shard-$(JOB_COMPLETION_INDEX)", "--out in the results volume")
check(opt("--barrier-timeout") == "2m", "--barrier-timeout")
check(opt("--set") == "vus=6", "--set")
check("--quiet" in words and "--threshold" not in words, "--quiet, and no threshold on a shard")
env = {e["name"]: e for e in c["env"]}
for var, key in (("REGBENCH_USERNAME", "username"), ("REGBENCH_PASSWORD", "password")):
    check(env[var]["valueFrom"]["secretKeyRef"] == {"name": "rbtest-creds", "key": key, "optional": True},
          f"{var} from secret rbtest-creds key {key}, optional")
vols = {v["name"]: v for v in pod["volumes"]}
mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
check(vols[mounts["/results"]]["persistentVolumeClaim"] == {"claimName": "rbtest-results"}, "/results is the claim")
check(vols[mounts["/scenario"]]["configMap"]["name"] == "rbtest-scenario", "/scenario is the ConfigMap")
check("emptyDir" in vols[mounts["/tmp"]], "/tmp is an emptyDir")

m = merge["spec"]
check(m["suspend"] is True and m["completions"] == 1 and m.get("completionMode", "NonIndexed") == "NonIndexed",
      "merge Job: suspended, one pod")
mc = m["template"]["spec"]["containers"][0]
mw = mc["command"] + mc["args"]
shard_dirs = [f"/results/{run_id}/shard-{i}" for i in range(n)]
check(mw == ["regbench", "merge"] + shard_dirs + ["--out", f"/results/{run_id}/merged", "--threshold", "errors == 0"],
      f"merge command {mw}")
mvols = {v["name"]: v for v in m["template"]["spec"]["volumes"]}
mm = {x["mountPath"]: x["name"] for x in mc["volumeMounts"]}
check(mvols[mm["/results"]]["persistentVolumeClaim"] == {"claimName": "rbtest-results"}, "merge mounts the claim")
print(len(docs))
EOF
}
expect_eq "documents on stdout" "$(check_manifests "$WORK/stream.yaml")" 3
expect_eq "documents in --out" \
  "$(check_manifests "$WORK/manifests/configmap.yaml" "$WORK/manifests/job.yaml" "$WORK/manifests/merge-job.yaml")" 3

# ---- 2. text that is hard for YAML and for $(VAR) expansion comes back exactly ------------
python3 - "$WORK/hard" <<'EOF'
import os, sys
d = sys.argv[1]; os.makedirs(d)
head = 'local rb = require "regbench"\nlocal name = rb.param("name", "x", {doc = "any text"})\n'
cases = {
  # leading space, no final line break
  "lead.lua": "  " + head + "-- the end, no newline",
  # leading empty lines, YAML look-alikes, tabs, trailing spaces, unicode, several final line breaks
  "keep.lua": "\n\n" + head + "local s = [[\n\ttab\n   \n---\n...\n# hash\nkey: value\n\"q\" 'q' \\ |\n"
              "$(HOME) $$ ${X}\n\u00e9 \u4e2d \U0001F600 trailing   \n]]\n\n\n",
  # CRLF line ends, control characters, NEL, line separator, BOM inside a string
  "crlf.lua": head.replace("\n", "\r\n") + "local c = \"\x01\x07\x7f\u0085\u2028\ufeff\"\r\n",
  # only comments
  "plain.lua": head + "--\n",
}
for k, v in cases.items():
    with open(os.path.join(d, k), "w", encoding="utf-8", newline="") as f:
        f.write(v)
EOF
tricky_set='name=a$(JOB_COMPLETION_INDEX)b $$ $(X "q" \ é'
for f in lead keep crlf plain; do
  run_rb 0 k8s "$WORK/hard/$f.lua" --shards 2 --target http://127.0.0.1:1 --set "$tricky_set" --run-id hard
  python3 - "$WORK/hard/$f.lua" "$WORK/out.txt" "$tricky_set" "$K8S_LOCAL" <<'EOF' || fail "$f.lua did not come back exactly"
import os, sys, yaml
sys.path.insert(0, os.path.dirname(sys.argv[4])); import k8s_local
src, out, want_set = sys.argv[1:4]
docs = [d for d in yaml.safe_load_all(open(out, encoding="utf-8")) if d is not None]
want = open(src, encoding="utf-8", newline="").read()
got = docs[0]["data"][os.path.basename(src)]
assert got == want, f"ConfigMap data differs:\n{got!r}\n{want!r}"
c = docs[1]["spec"]["template"]["spec"]["containers"][0]
env = {"JOB_COMPLETION_INDEX": "1", "X": "no"}
args = [k8s_local.expand(a, env) for a in c["args"]]
assert args[args.index("--set") + 1] == want_set, args
assert args[args.index("--shard") + 1] == "1/2", args
EOF
done
# the block form is used where it can be, and read back by PyYAML's own rules
expect_grep "$WORK/out.txt" '^  "plain.lua": \|$'
run_rb 0 k8s "$WORK/hard/lead.lua" --shards 1 --target http://127.0.0.1:1
expect_grep "$WORK/out.txt" '^  "lead.lua": \|2-$'

# what a scenario prints while it is checked goes to stderr, not into the manifests
printf 'local rb = require "regbench"\nprint("printed by the scenario")\nlocal v = rb.param("v", 1)\n' >"$WORK/prints.lua"
run_rb 0 k8s "$WORK/prints.lua" --shards 1 --target http://127.0.0.1:1
expect_grep "$WORK/err.txt" "^printed by the scenario$"
python3 -c 'import sys, yaml; assert [d["kind"] for d in yaml.safe_load_all(open(sys.argv[1])) if d] == ["ConfigMap", "Job", "Job"]' \
  "$WORK/out.txt" || fail "a scenario that prints spoilt the manifests"

# ---- 3. bad input: one message, exit 2, nothing rendered ------------------------------------
printf 'local x = 1\n-- \xff\xfe\n' >"$WORK/latin1.lua"
printf 'local x = \n' >"$WORK/syntax.lua"
base=("$SCEN" --shards 2 --target http://127.0.0.1:1)
bad_input() { # REGEX ARGS...
  local want=$1; shift
  run_rb 2 "$@"
  [ ! -s "$WORK/out.txt" ] || { cat "$WORK/out.txt"; fail "regbench $* rendered something"; }
  expect_grep "$WORK/err.txt" "^regbench k8s: $want"
}
bad_input "bad --shards '0': expected a whole number from 1 to 1000" k8s "$SCEN" --shards 0 --target http://127.0.0.1:1
bad_input "bad --shards '1001'" k8s "$SCEN" --shards 1001 --target http://127.0.0.1:1
bad_input "give the number of shards: --shards N" k8s "$SCEN" --target http://127.0.0.1:1
bad_input "give the registry's URL" k8s "$SCEN" --shards 2
bad_input "give the scenario" k8s --shards 2 --target http://127.0.0.1:1
bad_input "bad --target 'ftp://x': expected the registry's URL" k8s "$SCEN" --shards 2 --target ftp://x
bad_input "bad --target: it holds a user name or password" k8s "$SCEN" --shards 2 --target http://u:p@reg:5000/
bad_input "bad --name 'Bad_Name': use 1 to 54 lowercase letters" k8s "${base[@]}" --name Bad_Name
bad_input "bad --name '$(printf 'a%.0s' {1..55})'" k8s "${base[@]}" --name "$(printf 'a%.0s' {1..55})"
bad_input "bad --namespace 'NS'" k8s "${base[@]}" --namespace=NS
bad_input "bad --secret 'a..b'" k8s "${base[@]}" --secret a..b
bad_input "bad --results-pvc '-x'" k8s "${base[@]}" --results-pvc=-x
bad_input "bad --image 'my image'" k8s "${base[@]}" --image 'my image'
bad_input "bad --run-id 'Run'" k8s "${base[@]}" --run-id Run
bad_input "bad --barrier-timeout: 0 is not positive" k8s "${base[@]}" --barrier-timeout 0
bad_input "unknown parameter 'nope' in --set: the scenario .*k8s_job.lua declares vus, size" k8s "${base[@]}" --set nope=1
bad_input "bad --set vus=many: .*parameter 'vus' is an integer" k8s "${base[@]}" --set vus=many
bad_input "--set vus given twice" k8s "${base[@]}" --set vus=1 --set vus=2
bad_input "bad --set 'vus': expected KEY=VALUE" k8s "${base[@]}" --set vus
bad_input "bad --threshold 'psh.p95 < 1s': " k8s "${base[@]}" --threshold 'psh.p95 < 1s'
bad_input "unknown option '--bogus' for k8s" k8s "${base[@]}" --bogus
bad_input "cannot read the scenario $WORK/none.lua: No such file" k8s "$WORK/none.lua" --shards 2 --target http://127.0.0.1:1
bad_input "the scenario $WORK is not a regular file" k8s "$WORK" --shards 2 --target http://127.0.0.1:1
bad_input "the scenario $WORK/latin1.lua is not UTF-8 text \(line 2, byte 16\)" k8s "$WORK/latin1.lua" --shards 2 --target http://127.0.0.1:1
bad_input "the scenario $WORK/syntax.lua does not load: " k8s "$WORK/syntax.lua" --shards 2 --target http://127.0.0.1:1
mkdir -p "$WORK/ro" && touch "$WORK/ro/file"
bad_input "cannot create --out $WORK/ro/file/sub" k8s "${base[@]}" --out "$WORK/ro/file/sub"
run_rb 0 k8s --help
expect_grep "$WORK/out.txt" "^Usage: regbench k8s SCENARIO.lua --shards N --target URL"

# ---- 4. the example in deploy/kubernetes/example/ is current -------------------------------
# Its header records the command that made it; rendered again now (into
# another directory), every object must be the same. The scenario's text in
# the ConfigMap is left out of the comparison: a change to the scenario does
# not make the example wrong.
ex="$RB_SRC/deploy/kubernetes/example"
cmd=$(sed -n 's/^# Rendered by regbench [^ ]* with: regbench //p' "$ex/job.yaml")
[ -n "$cmd" ] || fail "$ex/job.yaml does not say how it was rendered"
eval "set -- $cmd"
args=(); while [ $# -gt 0 ]; do
  if [ "$1" = --out ]; then shift 2; else args+=("$1"); shift; fi
done
(cd "$RB_SRC" && "$REGBENCH" "${args[@]}" --out "$WORK/example") >"$WORK/out.txt" 2>"$WORK/err.txt" \
  || { cat "$WORK/err.txt"; fail "rendering the example again failed: regbench ${args[*]}"; }
python3 - "$ex" "$WORK/example" <<'EOF' || fail "deploy/kubernetes/example is out of date: render it again with the command in its header (from the source tree)"
import sys, yaml
def load(d):
    out = []
    for f in ("configmap.yaml", "job.yaml", "merge-job.yaml"):
        for doc in yaml.safe_load_all(open(f"{d}/{f}", encoding="utf-8")):
            if doc and doc["kind"] == "ConfigMap":
                doc["data"] = sorted(doc["data"])
            out.append(doc)
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    for x, y in zip(a, b):
        if x != y:
            print(yaml.safe_dump(x), "---- now:\n", yaml.safe_dump(y), file=sys.stderr)
    sys.exit(1)
EOF

# ---- 5. the Job's pods, run locally ------------------------------------------------
mkdir -p "$WORK/bin" "$WORK/cluster"
ln -s "$REGBENCH" "$WORK/bin/regbench"
# the Secret as `kubectl create secret generic rbtest-creds --from-literal=...` makes it
cat >"$WORK/secret.yaml" <<EOF
apiVersion: v1
kind: Secret
metadata: {name: rbtest-creds, namespace: bench}
data:
  username: $(printf bench | base64)
  password: $(printf 's3cret pass' | base64)
EOF
manifests=("$WORK/manifests/configmap.yaml" "$WORK/manifests/job.yaml" "$WORK/manifests/merge-job.yaml")
python3 "$K8S_LOCAL" run rbtest --manifests "${manifests[@]}" --secrets "$WORK/secret.yaml" \
  --root "$WORK/cluster" --bin-dir "$WORK/bin" --timeout 300 >"$WORK/pods.jsonl" \
  || fail "the Job's pods failed (logs above; $WORK/cluster/pods/)"
results="$WORK/cluster/pvc/rbtest-results/$RUN_ID"
python3 - "$results" "$N" "$WORK/pods.jsonl" <<'EOF' || fail "the shards' results"
import json, sys
d, n, pods = sys.argv[1], int(sys.argv[2]), [json.loads(l) for l in open(sys.argv[3])]
def check(cond, what):
    if not cond:
        sys.exit(f"check failed: {what}")
check([p["pod"] for p in pods] == [f"rbtest-{i}" for i in range(n)], f"pods rbtest-0..{n - 1}: {pods}")
check(len({p["cwd"] for p in pods}) == n, "each pod its own working directory")
for i in range(n):
    r = json.load(open(f"{d}/shard-{i}/results.json"))
    check(r["status"] == "ok", f"shard {i} status {r['status']}")
    check(r["run_id"] == "k8s-test-1", f"shard {i} run ID {r['run_id']}")
    check(r["registry"]["auth_user"] == "bench", f"shard {i} got the Secret's user name: {r['registry']['auth_user']}")
EOF

# the merge Job is suspended until started
rc=0; python3 "$K8S_LOCAL" run rbtest-merge --manifests "${manifests[@]}" --root "$WORK/cluster" \
  --bin-dir "$WORK/bin" >/dev/null 2>"$WORK/err.txt" || rc=$?
expect_eq "a suspended merge Job does not run" "$rc" 2
expect_grep "$WORK/err.txt" "Job rbtest-merge is suspended"
python3 "$K8S_LOCAL" run rbtest-merge --resume --manifests "${manifests[@]}" --root "$WORK/cluster" \
  --bin-dir "$WORK/bin" --timeout 120 >"$WORK/merge.jsonl" || fail "the merge Job's pod failed"
python3 - "$results" "$N" <<'EOF' || fail "merged results"
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
def check(cond, what):
    if not cond:
        sys.exit(f"check failed: {what}")
shards = [json.load(open(f"{d}/shard-{i}/results.json")) for i in range(n)]
m = json.load(open(f"{d}/merged/results.json"))
check(m["status"] == "ok", f"merged status {m['status']}")
sh = m.get("shards")
count = len(sh) if isinstance(sh, list) else (sh or {}).get("count")
check(count == n, f"merged results name {n} shards: {sh!r:.300}")
def ops(r):
    out = {}
    for p in r["phases"]:
        out[(p["name"], "*")] = p["ops"]
        for op, st in p["by_op"].items():
            out[(p["name"], op)] = st["ops"]
    return out
want = {}
for r in shards:
    for k, v in ops(r).items():
        want[k] = want.get(k, 0) + v
got = ops(m)
check(got == want, f"merged operation counts are the shards' sums:\n{got}\n{want}")
check(got[("push", "push")] == 6 and got[("pull", "pull")] == 6, "the shards did the work of one run: 6 pushes, 6 pulls")
EOF
echo "test_k8s_job: ok"
