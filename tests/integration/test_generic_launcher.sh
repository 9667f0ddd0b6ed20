# kind command: the worked example of docs/suite-format.md (distribution 3
# launched as `registry serve {config}` from docs/examples/, as if regbench
# had never heard of it) runs ok, its process is sampled, the rendered config
# is the one it used, and nothing is left running; bad templates, unknown
# placeholders and missing programs exit 2 naming FILE:LINE:COL.
source "$(dirname "$0")/lib.sh"

command -v registry >/dev/null || [ -x /usr/local/bin/registry ] || fail "distribution 3 'registry' not found (PATH, /usr/local/bin); run scripts/setup.sh"
command -v registry >/dev/null || export PATH="$PATH:/usr/local/bin"

ex="$RB_SRC/docs/examples/distribution3-command.yaml"
run_rb 0 suite "$ex" --out "$WORK/ok" --quiet
r="$WORK/ok/results.json"
expect_eq "suite status" "$(json "$r" "r['status']")" ok
expect_eq "runs" "$(json "$r" "[x['status'] for x in r['runs']]")" "['ok']"
run_dir="$WORK/ok/$(json "$r" "r['runs'][0]['dir']")"
rr="$run_dir/results.json"
expect_eq "kind" "$(json "$rr" "r['registry']['kind']")" command
expect_grep <(json "$rr" "r['registry']['version']") '^registry v3\.'
expect_eq "registry sampled" "$(json "$rr" "all(p['registry']['rss_peak_bytes'] > 0 for p in r['phases'])")" True
expect_eq "data_dir sampled" "$(json "$rr" "r['phases'][-1]['registry']['storage_bytes'] > 0")" True
port=$(json "$rr" "r['registry']['url'].rsplit(':', 1)[1]")
expect_grep "$run_dir/registry-config.yml" "addr: \"127\\.0\\.0\\.1:$port\""
expect_grep "$run_dir/registry-config.yml" "rootdirectory: \"$run_dir/registry-storage\""
expect_grep "$run_dir/registry.log" 'listening on 127\.0\.0\.1:'"$port"
[ ! -e "$run_dir/registry-storage" ] || fail "{data_dir} left behind (a suite removes it after the run)"
registry_gone "$rr"

# load errors: exit 2, FILE:LINE:COL
mkdir -p "$WORK/bad"
cd "$WORK/bad"
cp "$RB_SRC/docs/examples/distribution3-config.yml" good.yml
printf 'http:\n  addr: "{host}:{prot}"\n' > bad.yml
suite() { # COMMAND_LINE TEMPLATE_LINE
  printf 'name: bad\nregistries:\n  - name: r\n    kind: command\n    %s\n%s\nscenarios:\n  - name: bulk\n    file: %s\n' \
    "$1" "$2" "$RB_SRC/scenarios/bulk.lua"
}
suite 'command: [registry, serve, "{config}"]' '    config_template: bad.yml' > s-template.yaml
run_rb 2 suite s-template.yaml --out "$WORK/x" --quiet
expect_grep "$WORK/err.txt" 'bad\.yml:2:17: unknown placeholder \{prot\}.*s-template\.yaml:6:'
suite 'command: [registry, serve, "{config}"]' '    config_template: missing.yml' > s-missing.yaml
run_rb 2 suite s-missing.yaml --out "$WORK/x" --quiet
expect_grep "$WORK/err.txt" 's-missing\.yaml:6:22: config_template .missing\.yml.*No such file'
suite 'command: [registry, serve, "{confg}"]' '    config_template: good.yml' > s-placeholder.yaml
run_rb 2 suite s-placeholder.yaml --out "$WORK/x" --quiet
expect_grep "$WORK/err.txt" 's-placeholder\.yaml:5:[0-9]+: command: unknown placeholder \{confg\}'
suite 'command: [no-such-registry-binary, serve, "{config}"]' '    config_template: good.yml' > s-program.yaml
run_rb 2 suite s-program.yaml --out "$WORK/x" --quiet
expect_grep "$WORK/err.txt" 's-program\.yaml:5:[0-9]+: command: registry command no-such-registry-binary not found on PATH'
suite 'command: [registry, serve, "{config}"]' '' > s-noconfig.yaml
run_rb 2 suite s-noconfig.yaml --out "$WORK/x" --quiet
expect_grep "$WORK/err.txt" "s-noconfig\\.yaml:5:[0-9]+: command uses \\{config\\} but the registry has no 'config_template'"
suite 'storage: disk' '' > s-nocommand.yaml
run_rb 2 suite s-nocommand.yaml --out "$WORK/x" --quiet
expect_grep "$WORK/err.txt" "s-nocommand\\.yaml:3:5: registry 'r' of kind command has no 'command'"
[ ! -e "$WORK/x/results.json" ] || fail "a suite that failed to load wrote results"

# launch failures fail the run (exit 1), bounded, quoting the registry's log
suite 'command: [sh, -c, "echo dying on {port}; exit 3"]' '' > s-dies.yaml
run_rb 1 suite s-dies.yaml --out "$WORK/dies" --quiet
expect_grep "$WORK/err.txt" 'command exited with status 3 before answering GET http://127\.0\.0\.1:[0-9]+/v2/'
expect_grep "$WORK/err.txt" '^dying on [0-9]+$'
suite 'command: [sleep, "30"]' '    ready_timeout: 1s' > s-silent.yaml
start=$(date +%s)
run_rb 1 suite s-silent.yaml --out "$WORK/silent" --quiet
[ $(($(date +%s) - start)) -lt 15 ] || fail "a 1 s ready_timeout took more than 15 s"
expect_grep "$WORK/err.txt" 'command did not answer GET http://127\.0\.0\.1:[0-9]+/v2/ within 1\.0 s'
pgrep -f '^sleep 30$' >/dev/null && fail "the silent registry (sleep 30) is still running"
echo "test_generic_launcher: ok"
