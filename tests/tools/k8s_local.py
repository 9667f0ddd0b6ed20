#!/usr/bin/env python3
"""k8s_local: runs a Kubernetes Job's pods as local processes, the way the
Job controller and the kubelet would start them, for tests of the manifests
`regbench k8s` renders (tests/integration/test_k8s_job.sh).

    k8s_local.py run JOB --manifests FILE... --root DIR [--secrets FILE]
                         [--resume] [--timeout S] [--bin-dir DIR]

reads the manifests (YAML, parsed with PyYAML), finds the Job named JOB and
starts its pods as processes:

- Indexed Job: one pod per completion index 0..completions-1, `parallelism`
  of them at once; each gets JOB_COMPLETION_INDEX=<i> in its container's
  environment (the controller adds it to the env list, so `$(JOB_COMPLETION_INDEX)`
  expands) and HOSTNAME=<job>-<i> (the pod's hostname). A NonIndexed Job
  runs `completions` pods named <job>-<5 letters>.
- The container's command and args are taken from the manifest and their
  `$(VAR)` references expanded as Kubernetes does: from the container's env
  list only (values, and secretKeyRef from the Secrets in --secrets), `$$`
  gives `$`, a reference to an unknown name stays as written.
- Volumes: each pod gets its own directory under DIR/pods/<hostname>/: vol-<name>
  for an emptyDir, and for a configMap volume a directory holding the
  ConfigMap's data (its keys as files, written from the parsed manifest).
  A persistentVolumeClaim is one directory shared by every pod of every Job
  run with the same DIR: DIR/pvc/<claim>. A mount path is mapped to its
  directory by rewriting the prefix of every command word and env value
  that is the mount path or starts with it and "/" (so "/results/x" becomes
  "DIR/pvc/<claim>/x"); nothing else is rewritten.
- Process: its own working directory (DIR/pods/<hostname>/work), its own
  process group, an environment holding only what a container would get:
  PATH (with --bin-dir first, where the test puts `regbench`), HOME (the
  working directory), HOSTNAME, the container's env; sanitizer settings
  (ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS) are passed through. stdout and
  stderr go to DIR/pods/<hostname>/log.
- A suspended Job (spec.suspend: true) runs only with --resume, as after
  `kubectl patch job/JOB -p '{"spec":{"suspend":false}}'`.

Nothing is shared between the pods but the claim's directory and the
loopback network. It prints one JSON line per pod (name, index, exit code,
log, working directory) and exits 0 when every pod exited 0 (the Job
completed), 1 when one failed, 2 on a manifest it cannot run; pods still
running after --timeout seconds are killed (their process groups) and
count as failed.

    k8s_local.py expand TEXT VAR=VALUE...

prints TEXT with its $(VAR) references expanded (for the tests of the
expansion itself). Needs PyYAML (python3-yaml, installed by scripts/setup.sh).
"""
import argparse
import base64
import json
import os
import random
import signal
import string
import subprocess
import sys
import time

import yaml


class Unrunnable(Exception):
    """A manifest this tool (or a cluster) cannot run."""


def expand(text, env):
    """Kubernetes' $(VAR) expansion (k8s.io/kubernetes third_party/forked/golang/expansion):
    `$$` is `$`, `$(NAME)` is env[NAME] when NAME is defined, else left as is;
    an unclosed `$(` and a `$` before anything else stay, and scanning goes on
    after them."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "$" or i + 1 >= len(text):
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "(":
            end = text.find(")", i + 2)
            if end < 0:                      # no closing paren: "$(" stays, scanning goes on
                out.append("$(")
                i += 2
                continue
            name = text[i + 2:end]
            out.append(env[name] if name in env else text[i:end + 1])
            i = end + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def load_docs(paths):
    docs = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            docs.extend(d for d in yaml.safe_load_all(f) if d is not None)
    return docs


def find(docs, kind, name):
    for d in docs:
        if d.get("kind") == kind and d.get("metadata", {}).get("name") == name:
            return d
    return None


def secret_value(docs, ref):
    """The value a secretKeyRef names, or None when it is missing and optional."""
    sec = find(docs, "Secret", ref["name"])
    val = None
    if sec is not None:
        if ref["key"] in (sec.get("stringData") or {}):
            val = sec["stringData"][ref["key"]]
        elif ref["key"] in (sec.get("data") or {}):
            val = base64.b64decode(sec["data"][ref["key"]]).decode("utf-8")
    if val is None and not ref.get("optional", False):
        raise Unrunnable(f"secret {ref['name']} key {ref['key']} is missing and not optional "
                         "(the pod would not start: CreateContainerConfigError)")
    return val


def pod_plan(docs, job, index, hostname, root, bin_dir):
    """argv, env, cwd and log path of one pod of job."""
    spec = job["spec"]["template"]["spec"]
    containers = spec.get("containers") or []
    if len(containers) != 1 or spec.get("initContainers"):
        raise Unrunnable("only pods with exactly one container (and no init containers) are run")
    c = containers[0]
    pod_dir = os.path.join(root, "pods", hostname)
    work = os.path.join(pod_dir, "work")
    os.makedirs(work)

    # volumes -> local directories
    vol_dirs = {}
    for v in spec.get("volumes") or []:
        name = v["name"]
        if "emptyDir" in v:
            d = os.path.join(pod_dir, "vol-" + name)
            os.makedirs(d)
        elif "persistentVolumeClaim" in v:
            d = os.path.join(root, "pvc", v["persistentVolumeClaim"]["claimName"])
            os.makedirs(d, exist_ok=True)
        elif "configMap" in v:
            cm = find(docs, "ConfigMap", v["configMap"]["name"])
            if cm is None:
                raise Unrunnable(f"configMap {v['configMap']['name']} is not in the manifests")
            d = os.path.join(pod_dir, "vol-" + name)
            os.makedirs(d)
            data = cm.get("data") or {}
            items = v["configMap"].get("items") or [{"key": k, "path": k} for k in data]
            for it in items:
                with open(os.path.join(d, it["path"]), "w", encoding="utf-8", newline="") as f:
                    f.write(data[it["key"]])
        else:
            raise Unrunnable(f"volume {name}: only emptyDir, configMap and persistentVolumeClaim are run")
        vol_dirs[name] = d
    mounts = []
    for m in c.get("volumeMounts") or []:
        if m.get("subPath"):
            raise Unrunnable("subPath mounts are not run")
        mounts.append((m["mountPath"].rstrip("/") or "/", vol_dirs[m["name"]]))
    mounts.sort(key=lambda t: -len(t[0]))

    def local(word):
        for path, d in mounts:
            if word == path or word.startswith(path + "/"):
                return d + word[len(path):]
        return word

    # the container's env list, as the kubelet builds it
    env = {}
    for e in list(c.get("env") or []) + ([{"name": "JOB_COMPLETION_INDEX", "value": str(index)}]
                                          if index is not None else []):
        if "value" in e:
            env[e["name"]] = expand(str(e["value"]), env)
        elif "secretKeyRef" in (e.get("valueFrom") or {}):
            val = secret_value(docs, e["valueFrom"]["secretKeyRef"])
            if val is not None:
                env[e["name"]] = val
        else:
            raise Unrunnable(f"env {e['name']}: only value and secretKeyRef are run")
    if c.get("envFrom"):
        raise Unrunnable("envFrom is not run")

    words = [expand(str(w), env) for w in (c.get("command") or []) + (c.get("args") or [])]
    if not words:
        raise Unrunnable("the container has no command (the image's entrypoint is not known here)")
    argv = [local(w) for w in words]
    proc_env = {k: local(v) for k, v in env.items()}
    proc_env["PATH"] = bin_dir + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    proc_env["HOME"] = work
    proc_env["HOSTNAME"] = hostname
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            proc_env[k] = os.environ[k]
    return argv, proc_env, work, os.path.join(pod_dir, "log")


def run_job(args):
    docs = load_docs(args.manifests + ([args.secrets] if args.secrets else []))
    job = find(docs, "Job", args.job)
    if job is None:
        raise Unrunnable(f"no Job named {args.job} in {' '.join(args.manifests)}")
    spec = job["spec"]
    if spec.get("suspend") and not args.resume:
        raise Unrunnable(f"Job {args.job} is suspended (spec.suspend: true); start it with --resume")
    if (spec["template"]["spec"].get("restartPolicy") or "Always") not in ("Never", "OnFailure"):
        raise Unrunnable("a Job's pods need restartPolicy Never or OnFailure")
    completions = int(spec.get("completions", 1))
    parallelism = int(spec.get("parallelism", 1))
    indexed = spec.get("completionMode", "NonIndexed") == "Indexed"
    pods = []
    for i in range(completions):
        if indexed:
            host = f"{args.job}-{i}"
        else:
            host = args.job + "-" + "".join(random.choice(string.ascii_lowercase) for _ in range(5))
        pods.append((i if indexed else None, host))

    bin_dir = os.path.abspath(args.bin_dir)
    deadline = time.monotonic() + args.timeout
    waiting = list(pods)
    running = {}                       # Popen -> record
    done = []
    while (waiting or running) and time.monotonic() < deadline:
        while waiting and len(running) < parallelism:
            index, host = waiting.pop(0)
            argv, env, work, log = pod_plan(docs, job, index, host, args.root, bin_dir)
            with open(log, "wb") as out:
                p = subprocess.Popen(argv, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
            running[p] = {"pod": host, "index": index, "argv": argv, "cwd": work, "log": log}
        for p in list(running):
            if p.poll() is not None:
                rec = running.pop(p)
                rec["exit"] = p.returncode
                done.append(rec)
        time.sleep(0.05)
    for p, rec in running.items():     # past the deadline
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
        rec["exit"] = "killed after %ss" % args.timeout
        done.append(rec)
    for index, host in waiting:
        done.append({"pod": host, "index": index, "exit": "never started (deadline)"})
    done.sort(key=lambda r: (r["index"] is None, r["index"] or 0, r["pod"]))
    for rec in done:
        print(json.dumps(rec), flush=True)
    failed = [r for r in done if r["exit"] != 0]
    for r in failed:
        print(f"k8s_local: pod {r['pod']} failed: exit {r['exit']}", file=sys.stderr)
        if "log" in r and os.path.exists(r["log"]):
            with open(r["log"], errors="replace") as f:
                sys.stderr.write("".join(f.readlines()[-30:]))
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run a Job's pods as local processes")
    r.add_argument("job")
    r.add_argument("--manifests", nargs="+", required=True)
    r.add_argument("--root", required=True, help="directory for the pods' and claims' directories")
    r.add_argument("--secrets", help="a YAML file of Secrets (as kubectl create secret writes them)")
    r.add_argument("--resume", action="store_true", help="run a suspended Job")
    r.add_argument("--timeout", type=float, default=300)
    r.add_argument("--bin-dir", required=True, help="put first on the pods' PATH (holds regbench)")
    e = sub.add_parser("expand", help="expand $(VAR) references in TEXT")
    e.add_argument("text")
    e.add_argument("vars", nargs="*")
    args = ap.parse_args()
    if args.cmd == "expand":
        print(expand(args.text, dict(v.split("=", 1) for v in args.vars)))
        return 0
    try:
        return run_job(args)
    except Unrunnable as err:
        print(f"k8s_local: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
