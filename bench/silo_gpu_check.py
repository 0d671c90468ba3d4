#!/usr/bin/env python3
"""distinfer-silo on a GPU host against itself on the CPU engine (python3 standard library only).

Starts the published silo with no arguments (one silo, models/demo-moe deployed, HTTP on 8080) from the repository
root, first with stage and expert grains on CUDA (DISTINFER_DEVICE=cuda), then on the CPU engine
(DISTINFER_DEVICE=cpu); sends models/demo-moe's reference prompts to /v1/completions (greedy), times one request
alone and N at once, reads GPU memory from /api/cluster, and compares the token ids of the two runs and of
reference_generation.json.

  python3 bench/silo_gpu_check.py --silo .device/s3/silo/distinfer-silo [--tokens 48] [--concurrent 8] [--log-dir DIR]
      [--model DIR (timings and ids only)] [--devices cuda,cpu] [--dump ids.json]
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import time
import urllib.request

p = argparse.ArgumentParser()
p.add_argument("--silo", default=".device/s3/silo/distinfer-silo")
p.add_argument("--demo", default="models/demo-moe")
p.add_argument("--tokens", type=int, default=48)
p.add_argument("--long", type=int, default=128, help="new tokens of the timed requests")
p.add_argument("--concurrent", type=int, default=8)
p.add_argument("--log-dir", default=".")
p.add_argument("--model", help="another model directory: the silo deploys it (--model, --model-name) and only timings are taken")
p.add_argument("--devices", default="cuda,cpu")
p.add_argument("--repeats", type=int, default=1, help="times to repeat the timed runs (each printed)")
p.add_argument("--dump", help="write each device's greedy ids per prompt to this JSON file (A/B runs compare them)")
a = p.parse_args()
NAME = "demo-moe" if a.model is None else os.path.basename(a.model.rstrip("/"))
BASE = "http://127.0.0.1:8080"
prompts = json.load(open(os.path.join(a.demo, "reference_generation.json")))["prompts"]


def call(path, body=None, timeout=300):
    req = urllib.request.Request(BASE + path, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def complete(text, n):
    t0 = time.perf_counter()
    r = call("/v1/completions", {"model": NAME, "prompt": text, "max_tokens": n, "temperature": 0})
    return r["choices"][0]["token_ids"], r["usage"]["completion_tokens"], time.perf_counter() - t0


def gpu_memory():
    try:
        c = call("/api/cluster", timeout=10).get("cluster", {})
        return json.dumps([s.get("accelerators") for s in c.get("silos", [])])
    except Exception as e:  # the check goes on without the figure
        return f"unavailable ({e})"


def run(device):
    log = open(os.path.join(a.log_dir, f"silo-{device}.log"), "w")
    env = dict(os.environ, DISTINFER_DEVICE=device)
    args = [a.silo] if a.model is None else [a.silo, "--model", a.model, "--model-name", NAME]
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        t0 = time.time()
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{device}: silo exited with {proc.returncode}; see {log.name}")
            try:
                if any(m["id"] == NAME for m in call("/v1/models", timeout=5)["data"]):
                    break
            except Exception:
                pass
            if time.time() - t0 > 180:
                raise SystemExit(f"{device}: {NAME} not served after 180 s")
            time.sleep(0.5)
        print(f"{device}: serving after {time.time() - t0:.1f} s; accelerators {gpu_memory()}", flush=True)
        ids = {}
        for key, pr in prompts.items():
            ids[key], _, _ = complete(pr["text"], a.tokens)
        complete(prompts["prompt.0"]["text"], 8)  # warm-up of the timed path
        for _ in range(a.repeats):
            _, n, dt = complete(prompts["prompt.0"]["text"], a.long)
            print(f"{device}: one request, {n} new tokens in {dt:.3f} s: {n / dt:.1f} tokens/s", flush=True)
            texts = [pr["text"] for pr in prompts.values()]
            t1 = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(a.concurrent) as ex:
                done = list(ex.map(lambda i: complete(texts[i % len(texts)], a.long), range(a.concurrent)))
            dt = time.perf_counter() - t1
            total = sum(d[1] for d in done)
            print(f"{device}: {a.concurrent} concurrent requests, {total} new tokens in {dt:.3f} s: {total / dt:.1f} tokens/s; "
                  f"accelerators {gpu_memory()}", flush=True)
        return ids
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def attempt(device):
    try:
        return run(device)
    except (SystemExit, Exception) as e:  # report, then let the other device run
        print(f"{device}: FAILED: {e}", flush=True)
        with open(os.path.join(a.log_dir, f"silo-{device}.log")) as f:
            print("".join(f.readlines()[-40:]), flush=True)
        return None


devices = a.devices.split(",")
cuda = attempt("cuda") if "cuda" in devices else None
cpu = attempt("cpu") if "cpu" in devices else None
if a.dump:
    json.dump({"cuda": cuda, "cpu": cpu}, open(a.dump, "w"))
if a.model is not None:
    raise SystemExit(0)
if cuda is None or cpu is None:
    raise SystemExit(1)
for key, pr in prompts.items():
    ref = pr["greedy_ids"][len(pr["prompt_ids"]):]

    def lead(x, y):
        m = 0
        while m < min(len(x), len(y)) and x[m] == y[m]:
            m += 1
        return m

    print(f"{key}: cuda vs cpu silo {lead(cuda[key], cpu[key])}/{len(cpu[key])} leading ids equal "
          f"({'EQUAL' if cuda[key] == cpu[key] else 'DIFFERENT'}); vs reference: cuda {lead(cuda[key], ref)}, cpu {lead(cpu[key], ref)}")
    print(f"  cuda ids: {','.join(map(str, cuda[key]))}")
    print(f"  cpu  ids: {','.join(map(str, cpu[key]))}")
