"""What counts as a secret: variable names pass, tokens do not, shown text keeps its identifiers."""

import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.redact import MASK, looks_like_secret, redact, redacted
from lib.stack import load_stack

# Words variable names are made of, digits and abbreviations included: the hard cases.
WORDS = ("api key token secret access id prod production staging dev test my service openai hf huggingface "
         "hub n8n github gitlab aws s3 bucket route53 k8s cluster ollama llama3 qwen2 gpt4 windmill alert "
         "webhook slack bot user password pass auth bearer client server endpoint url db postgres redis v2 v3 "
         "x509 cert private public team org backup phoenix core model cache dir home root primary secondary "
         "2024 2 3 azure gcp google cloud region eu us west east read write admin crypto scripts https grpc "
         "sync nightly mcp sql pat oauth jwt smtp imap").split()
# (prefix, alphabet of the random body, body length): formats a token can come in
TOKEN_FORMATS = [
    ("hf_", string.ascii_letters, 34), ("sk-proj-", string.ascii_letters + string.digits + "-_", 48),
    ("sk-", string.ascii_letters + string.digits, 48), ("ghp_", string.ascii_letters + string.digits, 36),
    ("gho_", string.ascii_letters + string.digits, 36), ("glpat-", string.ascii_letters + string.digits + "-_", 20),
    ("xoxb-", string.digits + "-", 24), ("AKIA", string.ascii_uppercase + string.digits, 16),
    ("eyJ", string.ascii_letters + string.digits + "-_", 60),  # a JWT's base64url header and beyond
    ("", string.ascii_letters + string.digits, 32),  # Windmill-style random tokens
    ("", string.ascii_letters + string.digits + "-_", 43),  # base64url of 32 random bytes
    ("", "0123456789abcdef", 32),  # hex keys (40 and 64 digits are kept in shown text: commits, sha256)
]


def _snake(words: list[str], upper: bool) -> str:
    return "_".join(word.upper() if upper else word for word in words)


def _camel(words: list[str], pascal: bool) -> str:
    first = words[0].capitalize() if pascal else words[0]
    return first + "".join(word.capitalize() for word in words[1:])


names = st.one_of(
    st.builds(_snake, st.lists(st.sampled_from(WORDS), min_size=1, max_size=8), st.booleans()),
    st.builds(_camel, st.lists(st.sampled_from(WORDS), min_size=1, max_size=3), st.booleans()),
).filter(lambda name: name[0].isalpha() or name[0] == "_")


@st.composite
def tokens(draw) -> str:
    prefix, alphabet, length = draw(st.sampled_from(TOKEN_FORMATS))
    # a token is random by nature: its body comes from a seeded RNG, not from hypothesis's
    # shrinking (which would make it "aaaa", a string no one would call a key)
    rng = random.Random(draw(st.integers(0, 2**32)))
    body = "".join(rng.choice(alphabet) for _ in range(length))
    if prefix == "eyJ":
        body = body[:24] + "." + body[24:48] + "." + body[48:]
    return prefix + body


PROPERTY = settings(max_examples=150, deadline=None, derandomize=True)


@PROPERTY
@given(names)
def test_variable_names_are_not_secrets_and_the_stack_accepts_them(name):
    assert not looks_like_secret(name), name
    assert redact(f"variable {name} is not set") == f"variable {name} is not set"
    assert load_stack({"alerts": {"token_env": name}}).alerts.token_env == name


@PROPERTY
@given(tokens())
def test_tokens_are_secrets_and_the_stack_refuses_them(token):
    assert looks_like_secret(token), token
    with pytest.raises(Exception) as caught:
        load_stack({"services": {"n8n": {"api_key_env": token}}})
    assert "looks like a secret value" in str(caught.value) and token not in str(caught.value)


@PROPERTY
@given(tokens(), st.text(alphabet=string.ascii_letters + " :=,'\"{}()/", max_size=30),
       st.text(alphabet=string.ascii_letters + " :=,'\"{}()/", max_size=30))
def test_a_token_inside_any_text_is_masked(token, before, after):
    shown = redact(f"{before} {token} {after}")
    assert token not in shown and MASK in shown
    assert redact(shown) == shown  # masking twice changes nothing


def test_random_tokens_are_recognised_nearly_always():
    """The rule in numbers, on many seeded random tokens of the shapes above (no prefix)."""
    rng = random.Random(20240611)
    misses = {}
    for alphabet in (string.ascii_letters + string.digits, string.ascii_letters + string.digits + "-_",
                     "0123456789abcdef", string.ascii_lowercase + string.digits):
        tried = [("".join(rng.choice(alphabet) for _ in range(rng.randint(24, 64)))) for _ in range(2000)]
        misses[alphabet[:12]] = sum(not looks_like_secret(token) for token in tried) / len(tried)
    assert max(misses.values()) < 0.01, misses


@pytest.mark.parametrize("text", [
    "/tmp/pytest-of-root/pytest-12/test_corrupt_phoenixcore_is_r0/BooPhoenix/models/quantized/PhoenixCore-4bit-Q5.gguf",
    "NousResearch/Hermes-3-Llama-3.2-3B-GGUF Hermes-3-Llama-3.2-3B.Q4_K_M.gguf qwen2.5-coder:7b zamba2-7b-instruct",
    "phoenix-backup-20250101T023000Z-x.tar.gz phoenix-backup-20260315T023000Z-pre-write.tar.gz",
    "snapshots/0123456789abcdef0123456789abcdef01234567/x.gguf blobs/" + "4f1b2c3d" * 8,  # commit, sha256
    "n8n node 6f1c2a3b-1d2e-4f5a-8b9c-0d1e2f3a4b5c of workflow aBcD1234EfGh5678",  # UUID, n8n id
    "Bearer authentication; a token from the variable; token MY_API_KEY_NAME",
    "f/phoenix/n8n/my_workflow_name_translated__flow/flow.yaml mixtral:8x7b-instruct-v0.1-q4_K_M",
    "DeepSeek-Coder-V2-Lite-Instruct-Q4_K_M.gguf Meta-Llama-3.1-8B-Instruct-Q5_K_M.gguf 1712345678901234567 ns",
])
def test_shown_text_keeps_paths_models_and_identifiers(text):
    assert redact(text) == text


def test_a_document_is_masked_in_keys_and_values_and_keeps_its_shape():
    token = "ghp_R2d9Xk4Lm7Qp1Zs8Vw3Ny6Bt0Hc5Jf2GaPoQ"
    document = {"backends": {f"ollama|{token}": 1.5}, "detail": [f"401 Bearer {token}", 3, None, True]}
    assert redacted(document) == {"backends": {"ollama|***": 1.5}, "detail": ["401 Bearer ***", 3, None, True]}
