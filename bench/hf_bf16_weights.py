#!/usr/bin/env python3
"""What bf16 weights alone do to transformers itself, on the GPU host (torch, transformers, safetensors).

For each fixture under --fixtures (config.json, model.safetensors, reference.safetensors with input_ids, logits,
router_logits.L from an fp32 forward): the fp32 forward again; the weights rounded to bf16 and back, forward in fp32
(no TF32); the model in bf16. Each against the reference logits with the GPU check's metric, max |got - ref| over
max |ref| (and, in brackets, the norm-relative error ||got - ref||_2 / ||ref||_2 over all logits), and the tokens whose top-k expert set differs from the reference's in some layer. With --ours DIR (from
`distinfer-gpu-check fixtures --dump DIR`) DistInfer's logits are compared with transformers' bf16-weight run:
NAME-bf16w.f32 (bf16-rounded weights, fp32 compute), NAME-bf16.f32 (bf16 weights and GEMM inputs).

With --demo DIR: greedy continuations of models/demo-moe's reference prompts in bf16 (as reference_generation.json
was made) and in fp32 compute over the same bf16 weights, leading tokens equal to the reference, and the ids.

  python3 bench/hf_bf16_weights.py --fixtures Tests/Fixtures/hf --ours DUMP --demo models/demo-moe
"""
import argparse
import json
import os

import numpy as np
import torch
import transformers
from safetensors.torch import load_file

p = argparse.ArgumentParser()
p.add_argument("--fixtures", default="Tests/Fixtures/hf")
p.add_argument("--ours")
p.add_argument("--demo")
a = p.parse_args()
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = "cuda" if torch.cuda.is_available() else "cpu"
print(f"# torch {torch.__version__}, transformers {transformers.__version__}, device {torch.cuda.get_device_name() if dev == 'cuda' else 'cpu'}")


def rel(got, want):
    got, want = got.double().cpu(), want.double().cpu()
    return float((got - want).abs().max() / want.abs().max())


def norm(got, want):
    """||got - want||_2 / ||want||_2 over all logits: one flipped expert on a near-tied token moves it far less."""
    got, want = got.double().cpu(), want.double().cpu()
    return float((got - want).norm() / want.norm())


def both(got, want):
    return f"{rel(got, want):.2e} (norm {norm(got, want):.2e})"


def forward(model, ids, moe):
    with torch.no_grad():
        o = model(ids, output_router_logits=moe) if moe else model(ids)
    return o.logits.float().cpu(), [t.float().cpu() for t in (getattr(o, "router_logits", None) or [])]


def flips(router, ref, k):
    """Tokens whose top-k expert set differs from the reference's in at least one layer."""
    changed = None
    for i, r in enumerate(router):
        want = ref[f"router_logits.{i}"]
        a_ = torch.sort(torch.topk(r, k, dim=-1).indices, dim=-1).values
        b_ = torch.sort(torch.topk(want, k, dim=-1).indices, dim=-1).values
        c = (a_ != b_).any(dim=-1)
        changed = c if changed is None else changed | c
    return 0 if changed is None else int(changed.sum())


for name in sorted(os.listdir(a.fixtures)):
    d = os.path.join(a.fixtures, name)
    ref = load_file(os.path.join(d, "reference.safetensors"))
    ids = ref["input_ids"].to(dev)
    want = ref["logits"]
    model = transformers.AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32).to(dev).eval()
    moe = any("expert" in n for n, _ in model.named_parameters())
    k = getattr(model.config, "num_experts_per_tok", 0)
    fp32, _ = forward(model, ids, moe)
    with torch.no_grad():
        for prm in model.parameters():
            prm.copy_(prm.to(torch.bfloat16).to(torch.float32))
    w16, r16 = forward(model, ids, moe)
    line = (f"{name}: transformers fp32 {both(fp32, want)}; bf16-rounded weights, fp32 compute {both(w16, want)} "
            f"({'within' if rel(w16, want) <= 2e-2 else 'OUTSIDE'} 2e-2 max rel, "
            f"{'within' if norm(w16, want) <= 2e-2 else 'OUTSIDE'} 2e-2 norm rel)")
    if moe:
        line += f", top-{k} expert set differs from the reference for {flips(r16, ref, k)}/{ids.numel()} tokens"
    model = model.to(torch.bfloat16)
    b16, rb = forward(model, ids, moe)
    line += (f"; bf16 model {both(b16, want)} ({'within' if rel(b16, want) <= 2e-2 else 'OUTSIDE'} 2e-2 max rel, "
             f"{'within' if norm(b16, want) <= 2e-2 else 'OUTSIDE'} 2e-2 norm rel)")
    if moe:
        line += f" ({flips(rb, ref, k)} tokens differ in expert set)"
    print(line, flush=True)
    if a.ours:
        for suffix, what in (("bf16w", "bf16-rounded weights, fp32 compute"), ("bf16", "bf16 weights and GEMM inputs")):
            f = os.path.join(a.ours, f"{name}-{suffix}.f32")
            if os.path.exists(f):
                ours = torch.from_numpy(np.fromfile(f, dtype="<f4").reshape(w16.shape))
                print(f"  DistInfer {what}: vs transformers bf16-rounded weights fp32 {both(ours, w16)}, "
                      f"vs transformers bf16 model {both(ours, b16)}, vs reference {both(ours, want)}", flush=True)

if a.demo:
    gen = json.load(open(os.path.join(a.demo, "reference_generation.json")))["prompts"]
    for dtype in (torch.bfloat16, torch.float32):
        model = transformers.AutoModelForCausalLM.from_pretrained(a.demo, dtype=dtype).to(dev).eval()
        counts = []
        for key, pr in gen.items():
            prompt = pr["prompt_ids"]
            expect = pr["greedy_ids"][len(prompt):]
            with torch.no_grad():
                out = model.generate(torch.tensor([prompt], device=dev), max_new_tokens=len(expect), min_new_tokens=len(expect),
                                     do_sample=False, use_cache=True, pad_token_id=None if model.config.pad_token_id is None else 0)
            got = out[0, len(prompt):].tolist()
            m = 0
            while m < len(expect) and got[m] == expect[m]:
                m += 1
            counts.append(f"{m}/{len(expect)}")
            print(f"  demo-moe transformers {str(dtype).split('.')[-1]} ids {key}: {','.join(map(str, got))}", flush=True)
        print(f"demo-moe transformers {str(dtype).split('.')[-1]} compute (bf16 weights): leading new tokens equal to "
              f"reference_generation.json: {', '.join(counts)}", flush=True)
