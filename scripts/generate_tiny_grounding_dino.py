#!/usr/bin/python3
"""Generates the tiny Grounding DINO test fixtures of ViGoR.Detection.Onnx.Tests.

Run with Debian's python3 (python3-onnx, python3-numpy, python3-pil):

    /usr/bin/python3 scripts/generate_tiny_grounding_dino.py

It writes, under tests/ViGoR.Detection.Onnx.Tests/Fixtures/:

* ``hf/`` -- a model folder in the Hugging Face / transformers.js export signature
  (pixel_values, input_ids, token_type_ids, attention_mask, pixel_mask -> logits, pred_boxes),
  dynamic batch and image size, with ``vocab.txt`` and ``preprocessor_config.json``.
* ``idea/`` -- the original IDEA-Research export signature (img, input_ids, attention_mask,
  position_ids, token_type_ids, text_token_mask -> logits, boxes), batch 1 and a fixed
  96x128 image, with ``tokenizer.json`` and no preprocessor config (defaults apply).
* ``hf_fixed/`` -- the Hugging Face signature with a fixed batch (2) and text length (16).
* ``resize/`` -- images and PIL's resize of them, the reference for the C# resampler.
* ``wrong/`` -- a graph with neither signature (for the error message).

The graphs are not neural networks: their outputs are deterministic functions of the inputs,
chosen so that the tests can assert thresholds, phrase recovery, -inf padding, chunking and box
scaling exactly. For query q and text position j < L (L = tokens fed):

    logits[b, q, j] = High1[q] if input_ids[b, j] == Target1[q]
                      High2[q] if input_ids[b, j] == Target2[q]
                      Low[q]   otherwise
                      (+ Pos[q] * position_ids[b, j] + Block[q] * rowsum(text_token_mask)[b, j]
                         in the IDEA graph only)
    logits[b, q, j] = -inf for j >= L and where attention_mask is 0 (as the real model does).

Boxes are constants per query (cx, cy, w, h normalised), except query 5 whose box is
(W / 2048, H / 2048, 0, 0) with H, W the size of the image tensor fed, so that the tests see the
resize the detector applied. The vocabulary keeps the real bert-base-uncased ids of the words
the tests use ([PAD]=0, [UNK]=100, [CLS]=101, [SEP]=102, '.'=1012, '?'=1029, ...); every other
id is an ``[unusedN]`` filler.
"""

import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ViGoR.Detection.Onnx.Tests", "Fixtures")
NUM_QUERIES = 900
MAX_TEXT = 256

# bert-base-uncased ids of the tokens the tests use.
VOCAB = {
    "[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102, "[MASK]": 103,
    ".": 1012, "?": 1029, "a": 1037, "the": 1996, "two": 2048, "control": 2491,
    "running": 2770, "dog": 3899, "cat": 4937, "remote": 6556, "##s": 2015,
}
VOCAB_SIZE = max(VOCAB.values()) + 1

CAT, DOG, REMOTE, CONTROL, DOT, CLS, SEP = 4937, 3899, 6556, 2491, 1012, 101, 102

# Query table: (target1, high1, target2, high2, low, pos, block, box)
QUERIES = {
    0: (CAT, 2.0, -1, 0.0, -8.0, 0.0, 0.0, (0.5, 0.5, 0.2, 0.4)),
    1: (REMOTE, 1.0, CONTROL, 1.0, -8.0, 0.0, 0.0, (0.25, 0.25, 0.1, 0.1)),
    2: (CAT, -1.05, -1, 0.0, -8.0, 0.0, 0.0, (0.6, 0.6, 0.2, 0.2)),    # p = 0.2592: kept
    3: (CAT, -1.15, -1, 0.0, -8.0, 0.0, 0.0, (0.7, 0.7, 0.2, 0.2)),    # p = 0.2405: dropped
    4: (DOT, 3.0, -1, 0.0, -8.0, 0.0, 0.0, (0.1, 0.9, 0.2, 0.2)),      # lights only '.'
    5: (CLS, 4.0, -1, 0.0, -8.0, 0.0, 0.0, None),                      # box from image size
    6: (SEP, 5.0, -1, 0.0, -8.0, 0.0, 0.0, (0.9, 0.1, 0.2, 0.2)),
    7: (CAT, 0.0, DOG, -1.2, -8.0, 0.0, 0.0, (0.3, 0.7, 0.4, 0.2)),    # dog p = 0.2315
    8: (-1, 0.0, -1, 0.0, -10.0, 5.0, 0.0, (0.4, 0.4, 0.2, 0.2)),      # IDEA: position ids >= 2
    9: (-1, 0.0, -1, 0.0, -7.5, 0.0, 2.0, (0.45, 0.45, 0.3, 0.3)),     # IDEA: blocks of >= 4 tokens
}


def query_tables():
    t1 = np.full((NUM_QUERIES, 1), -1, dtype=np.int64)
    t2 = np.full((NUM_QUERIES, 1), -1, dtype=np.int64)
    h1 = np.zeros((NUM_QUERIES, 1), dtype=np.float32)
    h2 = np.zeros((NUM_QUERIES, 1), dtype=np.float32)
    low = np.full((NUM_QUERIES, 1), -8.0, dtype=np.float32)
    pos = np.zeros((NUM_QUERIES, 1), dtype=np.float32)
    block = np.zeros((NUM_QUERIES, 1), dtype=np.float32)
    boxes = np.zeros((1, NUM_QUERIES, 4), dtype=np.float32)
    rng = np.random.default_rng(0)
    boxes[0, :, :2] = rng.uniform(0.2, 0.8, size=(NUM_QUERIES, 2))
    boxes[0, :, 2:] = rng.uniform(0.05, 0.3, size=(NUM_QUERIES, 2))
    size_mask = np.zeros((1, NUM_QUERIES, 4), dtype=np.float32)
    for q, (a, ha, b, hb, lo, p, bl, box) in QUERIES.items():
        t1[q], h1[q], t2[q], h2[q], low[q], pos[q], block[q] = a, ha, b, hb, lo, p, bl
        if box is None:
            boxes[0, q] = 0
            size_mask[0, q] = (1, 1, 0, 0)
        else:
            boxes[0, q] = box
    return t1, t2, h1, h2, low, pos, block, boxes, size_mask


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def build(signature, batch="batch_size", text="sequence_length"):
    t1, t2, h1, h2, low, pos, block, boxes, size_mask = query_tables()
    inits = [
        const("target1", t1), const("target2", t2), const("high1", h1), const("high2", h2),
        const("low", low), const("box_const", boxes), const("size_mask", size_mask),
        const("idx1", np.array([1], dtype=np.int64)), const("idx2", np.array([2], dtype=np.int64)),
        const("idx3", np.array([3], dtype=np.int64)),
        const("idx4", np.array([4], dtype=np.int64)),
        const("max_text", np.array([MAX_TEXT], dtype=np.int64)),
        const("zeros5", np.zeros(5, dtype=np.int64)),
        const("neg_inf", np.array(-np.inf, dtype=np.float32)),
        const("inv2048", np.array(1.0 / 2048.0, dtype=np.float32)),
        const("zero_f", np.array(0.0, dtype=np.float32)),
        const("axis1", np.array([1], dtype=np.int64)),
        const("axes_chw", np.array([1, 2, 3], dtype=np.int64)),
        const("shape_b11", np.array([-1, 1, 1], dtype=np.int64)),
    ]
    nodes = []
    n = lambda *args, **kw: nodes.append(helper.make_node(*args, **kw))  # noqa: E731

    image = "pixel_values" if signature == "hf" else "img"
    if signature == "hf":
        inputs = [
            helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, [batch, 3, "height", "width"]),
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, [batch, text]),
            helper.make_tensor_value_info("token_type_ids", TensorProto.INT64, [batch, text]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, [batch, text]),
            helper.make_tensor_value_info("pixel_mask", TensorProto.INT64, [batch, "height", "width"]),
        ]
        outputs = [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, NUM_QUERIES, MAX_TEXT]),
            helper.make_tensor_value_info("pred_boxes", TensorProto.FLOAT, [batch, NUM_QUERIES, 4]),
        ]
        box_out = "pred_boxes"
    else:
        inputs = [
            helper.make_tensor_value_info("img", TensorProto.FLOAT, [1, 3, 96, 128]),
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "seq_len"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.BOOL, [1, "seq_len"]),
            helper.make_tensor_value_info("position_ids", TensorProto.INT64, [1, "seq_len"]),
            helper.make_tensor_value_info("token_type_ids", TensorProto.INT64, [1, "seq_len"]),
            helper.make_tensor_value_info("text_token_mask", TensorProto.BOOL, [1, "seq_len", "seq_len"]),
        ]
        outputs = [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, NUM_QUERIES, MAX_TEXT]),
            helper.make_tensor_value_info("boxes", TensorProto.FLOAT, [1, NUM_QUERIES, 4]),
        ]
        box_out = "boxes"
        inits += [const("pos_w", pos), const("block_w", block)]

    # Scores per (batch, query, position) from the token ids.
    n("Unsqueeze", ["input_ids", "axis1"], ["ids3"])                 # [B,1,L]
    n("Equal", ["ids3", "target1"], ["eq1"])                         # [B,Q,L]
    n("Equal", ["ids3", "target2"], ["eq2"])
    n("Where", ["eq2", "high2", "low"], ["v2"])
    n("Where", ["eq1", "high1", "v2"], ["v1"])
    value = "v1"
    if signature == "idea":
        n("Cast", ["position_ids"], ["pos_f"], to=TensorProto.FLOAT)
        n("Unsqueeze", ["pos_f", "axis1"], ["pos3"])                 # [B,1,L]
        n("Mul", ["pos3", "pos_w"], ["pos_term"])                    # [B,Q,L]
        n("Cast", ["text_token_mask"], ["ttm_f"], to=TensorProto.FLOAT)
        n("ReduceSum", ["ttm_f", "idx2"], ["rows"], keepdims=0)      # [B,L]: sum over the last axis
        n("Unsqueeze", ["rows", "axis1"], ["rows3"])
        n("Mul", ["rows3", "block_w"], ["block_term"])
        n("Add", ["v1", "pos_term"], ["v1p"])
        n("Add", ["v1p", "block_term"], ["v1pb"])
        n("Cast", ["token_type_ids"], ["tt_f"], to=TensorProto.FLOAT)
        n("ReduceSum", ["tt_f"], ["tt_sum"], keepdims=0)
        n("Mul", ["tt_sum", "zero_f"], ["tt_zero"])
        n("Add", ["v1pb", "tt_zero"], ["v_all"])
        n("Unsqueeze", ["attention_mask", "axis1"], ["am3"])
        n("Where", ["am3", "v_all", "neg_inf"], ["masked"])
    else:
        n("Cast", ["token_type_ids"], ["tt_f"], to=TensorProto.FLOAT)
        n("ReduceSum", ["tt_f"], ["tt_sum"], keepdims=0)
        n("Mul", ["tt_sum", "zero_f"], ["tt_zero"])
        n("Add", [value, "tt_zero"], ["v_all"])
        n("Cast", ["attention_mask"], ["am_b"], to=TensorProto.BOOL)
        n("Unsqueeze", ["am_b", "axis1"], ["am3"])
        n("Where", ["am3", "v_all", "neg_inf"], ["masked"])

    # Pad the text axis to 256 with -inf, as GroundingDINO's ContrastiveEmbed does.
    n("Shape", ["input_ids"], ["ids_shape"])
    n("Slice", ["ids_shape", "idx1", "idx2"], ["len"])
    n("Sub", ["max_text", "len"], ["pad_right"])
    n("Concat", ["zeros5", "pad_right"], ["pads"], axis=0)
    n("Pad", ["masked", "pads", "neg_inf"], ["logits"], mode="constant")

    # Boxes: constants, query 5 reports the fed image size; image (and mask) feed in with weight 0.
    n("Shape", [image], ["img_shape"])
    n("Slice", ["img_shape", "idx2", "idx3"], ["img_h"])
    n("Slice", ["img_shape", "idx3", "idx4"], ["img_w"])
    n("Concat", ["img_w", "img_h", "img_w", "img_h"], ["whwh"], axis=0)
    n("Cast", ["whwh"], ["whwh_f"], to=TensorProto.FLOAT)
    n("Mul", ["whwh_f", "inv2048"], ["whwh_n"])
    n("Mul", ["size_mask", "whwh_n"], ["size_box"])                 # [1,Q,4]
    n("Add", ["box_const", "size_box"], ["box1"])
    n("ReduceSum", [image, "axes_chw"], ["img_sum"], keepdims=0)    # [B]
    n("Mul", ["img_sum", "zero_f"], ["img_zero"])
    img_term = "img_zero"
    if signature == "hf":
        n("Cast", ["pixel_mask"], ["pm_f"], to=TensorProto.FLOAT)
        n("ReduceSum", ["pm_f", "axes_chw_2"], ["pm_sum"], keepdims=0)
        inits.append(const("axes_chw_2", np.array([1, 2], dtype=np.int64)))
        n("Mul", ["pm_sum", "zero_f"], ["pm_zero"])
        n("Add", ["img_zero", "pm_zero"], ["img_pm_zero"])
        img_term = "img_pm_zero"
    n("Reshape", [img_term, "shape_b11"], ["img_b11"])             # [B,1,1]
    n("Add", ["box1", "img_b11"], [box_out])                       # [B,Q,4]

    graph = helper.make_graph(nodes, f"tiny_grounding_dino_{signature}", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="vigor-tiny-grounding-dino")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write_vocab(path):
    by_id = {v: k for k, v in VOCAB.items()}
    with open(path, "w", encoding="utf-8") as f:
        for i in range(VOCAB_SIZE):
            f.write(by_id.get(i, f"[unused{i}]") + "\n")


def write_tokenizer_json(path):
    by_id = {v: k for k, v in VOCAB.items()}
    vocab = {by_id.get(i, f"[unused{i}]"): i for i in range(VOCAB_SIZE)}
    doc = {
        "version": "1.0",
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"))


def test_image(width, height, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), (x + y) % 256], axis=-1)
    noise = rng.integers(-40, 41, size=base.shape)
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8), "RGB")


def write_resize_fixtures(folder):
    """PIL's resize is the reference: transformers resizes a PIL image with reducing_gap=None."""
    cases = {
        "up": (test_image(50, 37, 1), (108, 80), Image.BILINEAR),
        "down": (test_image(300, 200, 2), (120, 80), Image.BILINEAR),
        "fixed": (None, (128, 96), Image.BILINEAR),  # the "down" input, squeezed to a fixed size
        "bicubic": (test_image(61, 45, 3), (40, 30), Image.BICUBIC),
    }
    meta = {}
    for name, (img, size, resample) in cases.items():
        if img is None:
            img = cases["down"][0]
        else:
            img.save(os.path.join(folder, f"{name}_in.png"))
        out = img.resize(size, resample=resample, reducing_gap=None)
        out.save(os.path.join(folder, f"{name}_out.png"))
        meta[name] = {"width": size[0], "height": size[1], "resample": int(resample)}
    # Normalised values as transformers computes them (float64 rescale -> float32, then float32 normalise).
    arr = np.asarray(Image.open(os.path.join(folder, "down_out.png")).convert("RGB"))
    rescaled = (arr.astype(np.float64) * (1 / 255)).astype(np.float32)
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)
    std = np.array([0.229, 0.224, 0.225], dtype=np.float32)
    norm = ((rescaled - mean) / std).transpose(2, 0, 1)
    meta["down_normalised"] = {
        "samples": [[int(c), int(yy), int(xx), float(norm[c, yy, xx])] for c, yy, xx in [(0, 0, 0), (1, 10, 17), (2, 79, 119), (0, 40, 60)]],
        "sum": float(norm.astype(np.float64).sum()),
    }
    with open(os.path.join(folder, "resize.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)


def main():
    hf = os.path.join(ROOT, "hf")
    idea = os.path.join(ROOT, "idea")
    resize = os.path.join(ROOT, "resize")
    for d in (hf, idea, resize):
        os.makedirs(d, exist_ok=True)
    onnx.save(build("hf"), os.path.join(hf, "model.onnx"))
    write_vocab(os.path.join(hf, "vocab.txt"))
    with open(os.path.join(hf, "preprocessor_config.json"), "w", encoding="utf-8") as f:
        json.dump({
            "do_normalize": True, "do_pad": True, "do_rescale": True, "do_resize": True,
            "image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225],
            "image_processor_type": "GroundingDinoImageProcessor", "resample": 2,
            "rescale_factor": 0.00392156862745098,
            "size": {"shortest_edge": 80, "longest_edge": 133},
        }, f, indent=2)
    onnx.save(build("idea"), os.path.join(idea, "groundingdino_swint_ogc.onnx"))

    # The HF signature with a fixed batch of 2 and a fixed text length of 16 (padded with [PAD]).
    fixed = os.path.join(ROOT, "hf_fixed")
    os.makedirs(fixed, exist_ok=True)
    onnx.save(build("hf", batch=2, text=16), os.path.join(fixed, "model.onnx"))
    write_vocab(os.path.join(fixed, "vocab.txt"))
    with open(os.path.join(fixed, "preprocessor_config.json"), "w", encoding="utf-8") as f:
        json.dump({"size": {"shortest_edge": 40, "longest_edge": 80}}, f, indent=2)
    write_tokenizer_json(os.path.join(idea, "tokenizer.json"))
    write_resize_fixtures(resize)

    # A graph with neither signature, for the error message test.
    wrong = os.path.join(ROOT, "wrong")
    os.makedirs(wrong, exist_ok=True)
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "not_grounding_dino",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(wrong, "model.onnx"))
    with open(os.path.join(wrong, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n.\n?\n")


if __name__ == "__main__":
    main()
