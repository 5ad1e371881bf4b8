#!/usr/bin/python3
"""Writes the tiny random LLaVA checkpoints that tests/ViGoR.Torch.Tests load.

One set of random weights is saved in the three real layouts:
  hf/        Hugging Face LlavaForConditionalGeneration (pre-4.52 keys: language_model.model.*,
             vision_tower.vision_model.*, multi_modal_projector.linear_1/2, language_model.lm_head),
             float32, two shards + model.safetensors.index.json, tokenizer files with <image> = 384.
  hf-new/    the newer layout (model.language_model.*, model.vision_tower.*, model.multi_modal_projector.*,
             lm_head.*), float16, one model.safetensors.
  original/  original LLaVA (LlavaLlamaForCausalLM: model.*, model.mm_projector.0/2, lm_head), float16
             PyTorch .bin shards + pytorch_model.bin.index.json, image token -200, image_aspect_ratio pad;
  clip/      its CLIP tower folder (CLIPModel keys incl. a text-tower stub that loading must skip).
Weights are rounded to float16-representable values, so every layout holds exactly the same model.

reference.safetensors holds what a plain PyTorch re-implementation of LLaVA (below; no transformers)
computes for the same inputs: Pillow-preprocessed pixels, prompt ids, the logits of the last
REFERENCE_POSITIONS positions, and greedy tokens.
tokenization.json holds prompt ids computed with the Python sentencepiece library.

Run with Debian's interpreter (python3-torch, python3-sentencepiece, python3-numpy, python3-pil):
    /usr/bin/python3 scripts/generate_tiny_llava.py
CI does not run this: the outputs are committed.
"""
import io
import json
import math
import os
import struct

import numpy as np
import sentencepiece as spm
import torch
import torch.nn.functional as F
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ViGoR.Torch.Tests", "Fixtures", "TinyLlava")
SEED = 1234

SP_VOCAB = 384
IMAGE_TOKEN = 384      # first id after the SentencePiece pieces, as llava-hf's 32000
PAD_TOKEN = 385
TEXT_VOCAB = 392       # padded, as llava-hf's 32064
TEXT = dict(hidden_size=48, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=10000.0, max_position_embeddings=256)
VISION = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=4,
              image_size=32, patch_size=8, layer_norm_eps=1e-5, hidden_act="quick_gelu")
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
VICUNA_SYSTEM = ("A chat between a curious user and an artificial intelligence assistant. "
                 "The assistant gives helpful, detailed, and polite answers to the user's questions.")
LLAVA_SYSTEM = ("A chat between a curious human and an artificial intelligence assistant. "
                "The assistant gives helpful, detailed, and polite answers to the human's questions.")
PROMPTS = ["Describe this image in detail.", "What is on the table?\nAnswer briefly."]
GREEDY_STEPS = 8
REFERENCE_POSITIONS = 24

CORPUS = [
    VICUNA_SYSTEM, LLAVA_SYSTEM,
    "USER: <image>\nDescribe this image in detail. ASSISTANT: A cat sits on a red table next to a cup.",
    "The image shows a dog, a ball and two people in a park. There is a tree on the left.",
    "What is on the table? A bowl of fruit, a knife and a green bottle are on the wooden table.",
    "Answer briefly. The man holds an umbrella while the woman rides a bicycle near the car.",
    "A small boat floats on the lake under a blue sky with white clouds and 3 birds.",
]


# ----------------------------------------------------------------------------- tokenizer

def train_tokenizer():
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS * 20), model_writer=model, vocab_size=SP_VOCAB, model_type="bpe",
        byte_fallback=True, normalization_rule_name="identity", add_dummy_prefix=True,
        remove_extra_whitespaces=False, split_digits=True, character_coverage=1.0,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, allow_whitespace_only_pieces=True,
        minloglevel=2)
    return model.getvalue()


def conv(mode, prompt):
    user = "<image>\n" + prompt
    if mode == "vicuna_v1":
        return VICUNA_SYSTEM + " USER: " + user + " ASSISTANT:"
    if mode == "llava_v1":
        return LLAVA_SYSTEM + " USER: " + user + " ASSISTANT:"
    return "USER: " + user + " ASSISTANT:"


def tokenizer_image_token(sp, text, image_id):
    # LLaVA mm_utils.tokenizer_image_token: chunks tokenized alone, one BOS, image id between chunks.
    ids = [sp.bos_id()]
    for i, chunk in enumerate(text.split("<image>")):
        if i:
            ids.append(image_id)
        ids.extend(sp.encode(chunk))
    return ids


# ----------------------------------------------------------------------------- weights

def random_weights():
    g = torch.Generator().manual_seed(SEED)

    def rnd(*shape, std=0.1):
        return (torch.randn(*shape, generator=g) * std).half().float()

    def norm(n):
        return (1.0 + torch.randn(n, generator=g) * 0.05).half().float()

    w = {}
    V, T = VISION, TEXT
    vd, vi = V["hidden_size"], V["intermediate_size"]
    n_patches = (V["image_size"] // V["patch_size"]) ** 2
    p = "vision_tower.vision_model."
    w[p + "embeddings.class_embedding"] = rnd(vd)
    w[p + "embeddings.patch_embedding.weight"] = rnd(vd, 3, V["patch_size"], V["patch_size"])
    w[p + "embeddings.position_embedding.weight"] = rnd(n_patches + 1, vd)
    w[p + "pre_layrnorm.weight"] = norm(vd)
    w[p + "pre_layrnorm.bias"] = rnd(vd, std=0.02)
    for i in range(V["num_hidden_layers"]):
        q = p + f"encoder.layers.{i}."
        for name in ["k_proj", "v_proj", "q_proj", "out_proj"]:
            w[q + f"self_attn.{name}.weight"] = rnd(vd, vd, std=0.2)
            w[q + f"self_attn.{name}.bias"] = rnd(vd, std=0.02)
        w[q + "layer_norm1.weight"] = norm(vd)
        w[q + "layer_norm1.bias"] = rnd(vd, std=0.02)
        w[q + "mlp.fc1.weight"] = rnd(vi, vd, std=0.2)
        w[q + "mlp.fc1.bias"] = rnd(vi, std=0.02)
        w[q + "mlp.fc2.weight"] = rnd(vd, vi, std=0.2)
        w[q + "mlp.fc2.bias"] = rnd(vd, std=0.02)
        w[q + "layer_norm2.weight"] = norm(vd)
        w[q + "layer_norm2.bias"] = rnd(vd, std=0.02)
    w[p + "post_layernorm.weight"] = norm(vd)
    w[p + "post_layernorm.bias"] = rnd(vd, std=0.02)

    td, ti = T["hidden_size"], T["intermediate_size"]
    hd = td // T["num_attention_heads"]
    kv = T["num_key_value_heads"] * hd
    w["multi_modal_projector.linear_1.weight"] = rnd(td, vd, std=0.2)
    w["multi_modal_projector.linear_1.bias"] = rnd(td, std=0.02)
    w["multi_modal_projector.linear_2.weight"] = rnd(td, td, std=0.2)
    w["multi_modal_projector.linear_2.bias"] = rnd(td, std=0.02)

    m = "language_model.model."
    w[m + "embed_tokens.weight"] = rnd(TEXT_VOCAB, td, std=0.5)
    for i in range(T["num_hidden_layers"]):
        q = m + f"layers.{i}."
        w[q + "self_attn.q_proj.weight"] = rnd(td, td, std=0.3)
        w[q + "self_attn.k_proj.weight"] = rnd(kv, td, std=0.3)
        w[q + "self_attn.v_proj.weight"] = rnd(kv, td, std=0.3)
        w[q + "self_attn.o_proj.weight"] = rnd(td, td, std=0.2)
        w[q + "mlp.gate_proj.weight"] = rnd(ti, td, std=0.2)
        w[q + "mlp.up_proj.weight"] = rnd(ti, td, std=0.2)
        w[q + "mlp.down_proj.weight"] = rnd(td, ti, std=0.2)
        w[q + "input_layernorm.weight"] = norm(td)
        w[q + "post_attention_layernorm.weight"] = norm(td)
    w[m + "norm.weight"] = norm(td)
    w["language_model.lm_head.weight"] = rnd(TEXT_VOCAB, td, std=0.5)
    return w


# ----------------------------------------------------------------------------- reference model

def layer_norm(x, w, b):
    return F.layer_norm(x, (x.shape[-1],), w, b, VISION["layer_norm_eps"])


def clip_features(w, pixels, layer=-2):
    p = "vision_tower.vision_model."
    V = VISION
    x = F.conv2d(pixels, w[p + "embeddings.patch_embedding.weight"], stride=V["patch_size"])
    x = x.flatten(2).transpose(1, 2)
    cls = w[p + "embeddings.class_embedding"].view(1, 1, -1).expand(x.shape[0], 1, -1)
    x = torch.cat([cls, x], 1) + w[p + "embeddings.position_embedding.weight"][None]
    x = layer_norm(x, w[p + "pre_layrnorm.weight"], w[p + "pre_layrnorm.bias"])
    states = [x]
    heads = V["num_attention_heads"]
    for i in range(V["num_hidden_layers"]):
        q = p + f"encoder.layers.{i}."
        h = layer_norm(x, w[q + "layer_norm1.weight"], w[q + "layer_norm1.bias"])
        B, N, D = h.shape
        proj = lambda n: F.linear(h, w[q + f"self_attn.{n}.weight"], w[q + f"self_attn.{n}.bias"]).view(B, N, heads, D // heads).transpose(1, 2)
        qq, kk, vv = proj("q_proj"), proj("k_proj"), proj("v_proj")
        att = torch.softmax(qq @ kk.transpose(-1, -2) / math.sqrt(D // heads), -1) @ vv
        att = att.transpose(1, 2).reshape(B, N, D)
        x = x + F.linear(att, w[q + "self_attn.out_proj.weight"], w[q + "self_attn.out_proj.bias"])
        h = layer_norm(x, w[q + "layer_norm2.weight"], w[q + "layer_norm2.bias"])
        h = F.linear(h, w[q + "mlp.fc1.weight"], w[q + "mlp.fc1.bias"])
        h = h * torch.sigmoid(1.702 * h)
        x = x + F.linear(h, w[q + "mlp.fc2.weight"], w[q + "mlp.fc2.bias"])
        states.append(x)
    feats = states[layer][:, 1:]
    h = F.linear(feats, w["multi_modal_projector.linear_1.weight"], w["multi_modal_projector.linear_1.bias"])
    h = F.gelu(h)
    return F.linear(h, w["multi_modal_projector.linear_2.weight"], w["multi_modal_projector.linear_2.bias"])


def rms(x, weight):
    var = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(var + TEXT["rms_norm_eps"]))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], -1)


def llama_logits(w, embeds):
    T = TEXT
    m = "language_model.model."
    B, L, D = embeds.shape
    heads, kvh = T["num_attention_heads"], T["num_key_value_heads"]
    hd = D // heads
    inv = 1.0 / (T["rope_theta"] ** (torch.arange(0, hd, 2).float() / hd))
    freqs = torch.arange(L).float()[:, None] * inv[None]
    emb = torch.cat([freqs, freqs], -1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    causal = torch.full((L, L), float("-inf")).triu(1)
    x = embeds
    for i in range(T["num_hidden_layers"]):
        q = m + f"layers.{i}."
        h = rms(x, w[q + "input_layernorm.weight"])
        qq = F.linear(h, w[q + "self_attn.q_proj.weight"]).view(B, L, heads, hd).transpose(1, 2)
        kk = F.linear(h, w[q + "self_attn.k_proj.weight"]).view(B, L, kvh, hd).transpose(1, 2)
        vv = F.linear(h, w[q + "self_attn.v_proj.weight"]).view(B, L, kvh, hd).transpose(1, 2)
        qq = qq * cos + rotate_half(qq) * sin
        kk = kk * cos + rotate_half(kk) * sin
        kk = kk.repeat_interleave(heads // kvh, 1)
        vv = vv.repeat_interleave(heads // kvh, 1)
        att = torch.softmax(qq @ kk.transpose(-1, -2) / math.sqrt(hd) + causal, -1) @ vv
        x = x + F.linear(att.transpose(1, 2).reshape(B, L, D), w[q + "self_attn.o_proj.weight"])
        h = rms(x, w[q + "post_attention_layernorm.weight"])
        x = x + F.linear(F.silu(F.linear(h, w[q + "mlp.gate_proj.weight"])) * F.linear(h, w[q + "mlp.up_proj.weight"]), w[q + "mlp.down_proj.weight"])
    x = rms(x, w[m + "norm.weight"])
    return F.linear(x, w["language_model.lm_head.weight"])


def merged_embeds(w, ids, image_id, features):
    emb = w["language_model.model.embed_tokens.weight"]
    parts, start = [], 0
    for i, t in enumerate(ids + [None]):
        if t is None or t == image_id:
            if i > start:
                parts.append(emb[torch.tensor(ids[start:i])])
            if t is not None:
                parts.append(features)
            start = i + 1
    return torch.cat(parts, 0)[None]


def greedy(w, ids, image_id, features, steps, eos=2):
    out = []
    embeds = merged_embeds(w, ids, image_id, features)
    emb = w["language_model.model.embed_tokens.weight"]
    for _ in range(steps):
        nxt = int(llama_logits(w, embeds)[0, -1].argmax())
        if nxt == eos:
            break
        out.append(nxt)
        embeds = torch.cat([embeds, emb[nxt][None, None]], 1)
    return out


# ----------------------------------------------------------------------------- preprocessing (as CLIPImageProcessor + LLaVA)

def expand2square(img, colour):
    w, h = img.size
    if w == h:
        return img
    side = max(w, h)
    result = Image.new(img.mode, (side, side), colour)
    result.paste(img, ((side - w) // 2, (side - h) // 2))
    return result


def clip_preprocess(img, size, pad):
    if pad:
        img = expand2square(img, tuple(int(x * 255) for x in CLIP_MEAN))
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    nw, nh = (new_short, new_long) if w <= h else (new_long, new_short)
    img = img.resize((nw, nh), resample=Image.BICUBIC)
    a = np.array(img)
    top, left = (nh - size) // 2, (nw - size) // 2
    a = a[top:top + size, left:left + size]
    a = (a.astype(np.float64) * (1 / 255)).astype(np.float32)
    a = (a - np.array(CLIP_MEAN, dtype=np.float32)) / np.array(CLIP_STD, dtype=np.float32)
    return torch.from_numpy(a.transpose(2, 0, 1).copy())


def test_image(width, height, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    r = 128 + 100 * np.sin(x / 5.0) * np.cos(y / 7.0)
    g = 255.0 * x / max(width - 1, 1)
    b = 255.0 * y / max(height - 1, 1)
    a = np.stack([r, g, b], -1) + rng.normal(0, 25, (height, width, 3))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")


# ----------------------------------------------------------------------------- file writers

def save_safetensors(path, tensors, dtype):
    names = sorted(tensors)
    header, blobs, offset = {}, [], 0
    code = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64"}
    for n in names:
        t = tensors[n].to(dtype if tensors[n].is_floating_point() else tensors[n].dtype).contiguous()
        data = t.numpy().tobytes()
        header[n] = {"dtype": code[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def shard(names, n):
    names = sorted(names)
    k = (len(names) + n - 1) // n
    return [names[i:i + k] for i in range(0, len(names), k)]


def main():
    torch.manual_seed(SEED)
    os.makedirs(OUT, exist_ok=True)
    for d in ["hf", "hf-new", "original", "clip"]:
        os.makedirs(os.path.join(OUT, d), exist_ok=True)

    sp_model = train_tokenizer()
    sp = spm.SentencePieceProcessor(model_proto=sp_model)
    w = random_weights()

    # --- hf (legacy keys, float32, 2 shards)
    hf = os.path.join(OUT, "hf")
    text_config = dict(TEXT, vocab_size=TEXT_VOCAB, model_type="llama", architectures=["LlamaForCausalLM"],
                       torch_dtype="float32", _name_or_path="tiny-vicuna")
    vision_config = dict(VISION, model_type="clip_vision_model", projection_dim=16, vocab_size=SP_VOCAB)
    hf_config = {
        "architectures": ["LlavaForConditionalGeneration"], "ignore_index": -100, "image_token_index": IMAGE_TOKEN,
        "model_type": "llava", "pad_token_id": PAD_TOKEN, "projector_hidden_act": "gelu",
        "text_config": text_config, "tie_word_embeddings": False, "torch_dtype": "float32",
        "transformers_version": "4.36.0.dev0", "vision_config": vision_config, "vision_feature_layer": -2,
        "vision_feature_select_strategy": "default", "vocab_size": TEXT_VOCAB, "image_seq_length": 16,
    }
    weight_map = {}
    shards = shard(w, 2)
    for i, names in enumerate(shards):
        fname = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        save_safetensors(os.path.join(hf, fname), {n: w[n] for n in names}, torch.float32)
        weight_map.update({n: fname for n in names})
    write_json(os.path.join(hf, "model.safetensors.index.json"), {"metadata": {"total_size": sum(t.numel() * 4 for t in w.values())}, "weight_map": weight_map})
    write_json(os.path.join(hf, "config.json"), hf_config)

    # --- hf-new (model.* layout, float16, single file)
    def new_key(k):
        for old, new in [("vision_tower.", "model.vision_tower."), ("multi_modal_projector.", "model.multi_modal_projector."),
                         ("language_model.model.", "model.language_model."), ("language_model.lm_head.", "lm_head.")]:
            if k.startswith(old):
                return new + k[len(old):]
        raise KeyError(k)
    hfn = os.path.join(OUT, "hf-new")
    save_safetensors(os.path.join(hfn, "model.safetensors"), {new_key(k): v for k, v in w.items()}, torch.float16)
    write_json(os.path.join(hfn, "config.json"), dict(hf_config, torch_dtype="float16"))

    for d in [hf, hfn]:
        with open(os.path.join(d, "tokenizer.model"), "wb") as f:
            f.write(sp_model)
        write_json(os.path.join(d, "added_tokens.json"), {"<image>": IMAGE_TOKEN, "<pad>": PAD_TOKEN})
        write_json(os.path.join(d, "special_tokens_map.json"), {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>"})
        write_json(os.path.join(d, "tokenizer_config.json"), {
            "add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
            "pad_token": "<pad>", "legacy": False, "model_max_length": 256, "padding_side": "left", "tokenizer_class": "LlamaTokenizer",
            "added_tokens_decoder": {
                "0": {"content": "<unk>", "special": True}, "1": {"content": "<s>", "special": True},
                "2": {"content": "</s>", "special": True}, str(IMAGE_TOKEN): {"content": "<image>", "special": True},
                str(PAD_TOKEN): {"content": "<pad>", "special": True}}})
        write_json(os.path.join(d, "preprocessor_config.json"), {
            "crop_size": {"height": VISION["image_size"], "width": VISION["image_size"]}, "do_center_crop": True,
            "do_convert_rgb": True, "do_normalize": True, "do_rescale": True, "do_resize": True,
            "image_mean": CLIP_MEAN, "image_std": CLIP_STD, "image_processor_type": "CLIPImageProcessor",
            "processor_class": "LlavaProcessor", "resample": 3, "rescale_factor": 0.00392156862745098,
            "size": {"shortest_edge": VISION["image_size"]}})
        write_json(os.path.join(d, "generation_config.json"), {"bos_token_id": 1, "eos_token_id": 2, "pad_token_id": PAD_TOKEN})

    # --- original LLaVA (+ its CLIP folder)
    orig = os.path.join(OUT, "original")
    ow = {}
    for k, v in w.items():
        if k.startswith("vision_tower."):
            continue
        if k.startswith("multi_modal_projector.linear_1."):
            ow["model.mm_projector.0." + k.split(".")[-1]] = v
        elif k.startswith("multi_modal_projector.linear_2."):
            ow["model.mm_projector.2." + k.split(".")[-1]] = v
        elif k.startswith("language_model.model."):
            ow["model." + k[len("language_model.model."):]] = v
        elif k == "language_model.lm_head.weight":
            ow["lm_head.weight"] = v
    ow["model.embed_tokens.weight"] = ow["model.embed_tokens.weight"][:SP_VOCAB].clone()
    ow["lm_head.weight"] = ow["lm_head.weight"][:SP_VOCAB].clone()
    ow["model.layers.0.self_attn.rotary_emb.inv_freq"] = torch.ones(TEXT["hidden_size"] // TEXT["num_attention_heads"] // 2)
    weight_map = {}
    shards = shard(ow, 2)
    for i, names in enumerate(shards):
        fname = f"pytorch_model-{i + 1:05d}-of-{len(shards):05d}.bin"
        torch.save({n: ow[n].half() for n in names}, os.path.join(orig, fname))
        weight_map.update({n: fname for n in names})
    write_json(os.path.join(orig, "pytorch_model.bin.index.json"), {"metadata": {"total_size": sum(t.numel() * 2 for t in ow.values())}, "weight_map": weight_map})
    write_json(os.path.join(orig, "config.json"), {
        "_name_or_path": "./checkpoints/tiny-vicuna", "architectures": ["LlavaLlamaForCausalLM"], "bos_token_id": 1,
        "eos_token_id": 2, "freeze_mm_mlp_adapter": False, "hidden_act": "silu", "hidden_size": TEXT["hidden_size"],
        "image_aspect_ratio": "pad", "initializer_range": 0.02, "intermediate_size": TEXT["intermediate_size"],
        "max_length": 256, "max_position_embeddings": TEXT["max_position_embeddings"], "mm_hidden_size": VISION["hidden_size"],
        "mm_projector_type": "mlp2x_gelu", "mm_use_im_patch_token": False, "mm_use_im_start_end": False,
        "mm_vision_select_feature": "patch", "mm_vision_select_layer": -2, "mm_vision_tower": "tiny-org/tiny-clip",
        "model_type": "llava", "num_attention_heads": TEXT["num_attention_heads"], "num_hidden_layers": TEXT["num_hidden_layers"],
        "num_key_value_heads": TEXT["num_key_value_heads"], "pad_token_id": 0, "pretraining_tp": 1,
        "rms_norm_eps": TEXT["rms_norm_eps"], "rope_scaling": None, "rope_theta": TEXT["rope_theta"], "tie_word_embeddings": False,
        "torch_dtype": "float16", "transformers_version": "4.31.0", "tune_mm_mlp_adapter": False, "use_cache": True,
        "use_mm_proj": True, "vocab_size": SP_VOCAB})
    with open(os.path.join(orig, "tokenizer.model"), "wb") as f:
        f.write(sp_model)
    write_json(os.path.join(orig, "tokenizer_config.json"), {
        "add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
        "pad_token": None, "legacy": False, "model_max_length": 256, "padding_side": "right", "tokenizer_class": "LlamaTokenizer"})

    clip = os.path.join(OUT, "clip")
    cw = {k[len("vision_tower."):]: v for k, v in w.items() if k.startswith("vision_tower.")}
    cw["vision_model.embeddings.position_ids"] = torch.arange((VISION["image_size"] // VISION["patch_size"]) ** 2 + 1)[None]
    cw["logit_scale"] = torch.tensor(2.6592)
    cw["visual_projection.weight"] = torch.zeros(16, VISION["hidden_size"])
    cw["text_model.final_layer_norm.weight"] = torch.ones(16)
    save_safetensors(os.path.join(clip, "model.safetensors"), cw, torch.float16)
    write_json(os.path.join(clip, "config.json"), {
        "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 16, "torch_dtype": "float16",
        "text_config": {"hidden_size": 16, "model_type": "clip_text_model"},
        "vision_config": dict(VISION, model_type="clip_vision_model", projection_dim=16)})
    write_json(os.path.join(clip, "preprocessor_config.json"), {
        "crop_size": VISION["image_size"], "do_center_crop": True, "do_normalize": True, "do_resize": True,
        "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": CLIP_MEAN, "image_std": CLIP_STD,
        "resample": 3, "size": VISION["image_size"]})

    # --- test images, reference preprocessing, logits and greedy tokens
    images = [test_image(45, 37, 1), test_image(30, 52, 2)]
    for i, img in enumerate(images):
        img.save(os.path.join(OUT, f"image{i}.png"))
    size = VISION["image_size"]
    ref = {}
    with torch.no_grad():
        for i, img in enumerate(images):
            for layout, pad, image_id in [("hf", False, IMAGE_TOKEN), ("original", True, -200)]:
                pixels = clip_preprocess(img, size, pad)
                ref[f"pixels_{layout}_{i}"] = pixels
                feats = clip_features(w, pixels[None])[0]
                mode = "llava_hf" if layout == "hf" else "vicuna_v1"
                ids = tokenizer_image_token(sp, conv(mode, PROMPTS[i]), image_id)
                ref[f"ids_{layout}_{i}"] = torch.tensor(ids, dtype=torch.int64)
                logits = llama_logits(w, merged_embeds(w, ids, image_id, feats))[0]
                if layout == "original":
                    logits = logits[:, :SP_VOCAB]
                # The last positions cover the image features and the text after them; all of them would
                # only make the fixture bigger.
                ref[f"logits_{layout}_{i}"] = logits[-REFERENCE_POSITIONS:]
                wo = dict(w)
                if layout == "original":
                    wo["language_model.lm_head.weight"] = w["language_model.lm_head.weight"][:SP_VOCAB]
                ref[f"greedy_{layout}_{i}"] = torch.tensor(greedy(wo, ids, image_id, feats, GREEDY_STEPS) or [-1], dtype=torch.int64)
    save_safetensors(os.path.join(OUT, "reference.safetensors"), ref, torch.float32)

    # --- prompt tokenization per template
    cases = []
    for mode in ["vicuna_v1", "llava_v1", "llava_hf"]:
        for prompt in PROMPTS:
            text = conv(mode, prompt)
            cases.append({"mode": mode, "prompt": prompt, "text": text,
                          "ids_hf": tokenizer_image_token(sp, text, IMAGE_TOKEN),
                          "ids_original": tokenizer_image_token(sp, text, -200)})
    plain = ["Hello world", " two  spaces", "3 birds & a ünïcode ☃ line\nnext"]
    write_json(os.path.join(OUT, "tokenization.json"), {
        "prompts": cases,
        "plain": [{"text": t, "ids": sp.encode(t), "pieces": sp.encode(t, out_type=str)} for t in plain]})
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {OUT} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
