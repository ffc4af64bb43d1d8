"""Write a tiny, real GGUF model that llama.cpp loads and runs in milliseconds.

A random-weight llama-architecture model (64-dim, 2 layers) with a
SentencePiece vocabulary of special tokens, the 256 byte tokens and printable
characters, and a ChatML chat template. The output rows of special and byte
tokens are zeroed so greedy decoding stays printable and deterministic (it
never emits EOS, so a generation always runs to max_tokens, which makes token
counts exact in tests and benchmarks).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
          " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")

DIM, LAYERS, HEADS, FFN, CTX = 64, 2, 4, 128, 4096


def _vocabulary() -> tuple[list[str], list[float], list[int]]:
    tokens = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
    types = [2, 3, 3, 3, 3]
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [6] * 256
    printable = ["\u2581"] + [chr(c) for c in range(33, 127)]
    tokens += printable
    types += [1] * len(printable)
    scores = [0.0] * len(tokens)
    return tokens, scores, types


def write_tiny_gguf(path: Path, seed: int = 0) -> Path:
    import gguf

    tokens, scores, types = _vocabulary()
    rng = np.random.default_rng(seed)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("phoenix-tiny-test")
    writer.add_context_length(CTX)
    writer.add_embedding_length(DIM)
    writer.add_block_count(LAYERS)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS)
    writer.add_rope_dimension_count(DIM // HEADS)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(0)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(4)
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHATML)

    def weight(*shape):
        return (rng.standard_normal(shape) * 0.2).astype(np.float32)

    vocab = len(tokens)
    output = weight(vocab, DIM)
    output[[i for i, t in enumerate(types) if t != 1]] = 0.0
    writer.add_tensor("token_embd.weight", weight(vocab, DIM))
    writer.add_tensor("output_norm.weight", np.ones(DIM, dtype=np.float32))
    writer.add_tensor("output.weight", output)
    for layer in range(LAYERS):
        prefix = f"blk.{layer}."
        writer.add_tensor(prefix + "attn_norm.weight", np.ones(DIM, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(prefix + name + ".weight", weight(DIM, DIM))
        writer.add_tensor(prefix + "ffn_norm.weight", np.ones(DIM, dtype=np.float32))
        writer.add_tensor(prefix + "ffn_gate.weight", weight(FFN, DIM))
        writer.add_tensor(prefix + "ffn_up.weight", weight(FFN, DIM))
        writer.add_tensor(prefix + "ffn_down.weight", weight(DIM, FFN))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


if __name__ == "__main__":
    import sys

    print(write_tiny_gguf(Path(sys.argv[1] if len(sys.argv) > 1 else "tiny.gguf")))
