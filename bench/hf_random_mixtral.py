#!/usr/bin/env python3
"""Writes the 640 M-parameter Mixtral-style benchmark shape (hidden 1024, 8 layers, 16 heads, 4 kv heads, 8 experts
top-2, ffn 2816, vocab 32000) with random bf16 weights as a Hugging Face directory a silo can deploy, with
models/demo-moe's tokenizer (its ids are a subset of the vocabulary). Timings only: the text it writes is noise.

  python3 bench/hf_random_mixtral.py OUT_DIR [--tokenizer models/demo-moe]
"""
import argparse
import os
import shutil

import torch
import transformers

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--tokenizer", default="models/demo-moe")
a = p.parse_args()
torch.manual_seed(0)
c = transformers.MixtralConfig(vocab_size=32000, hidden_size=1024, num_hidden_layers=8, num_attention_heads=16,
                               num_key_value_heads=4, intermediate_size=2816, num_local_experts=8, num_experts_per_tok=2,
                               max_position_embeddings=4096, rope_theta=1e6, rms_norm_eps=1e-5, tie_word_embeddings=False,
                               bos_token_id=0, eos_token_id=0)
with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
    m = transformers.MixtralForCausalLM(c).to(torch.bfloat16)
m.save_pretrained(a.out, safe_serialization=True)
shutil.copy(os.path.join(a.tokenizer, "tokenizer.json"), a.out)
print("wrote", a.out, sum(t.numel() for t in m.parameters()) / 1e6, "M parameters")
