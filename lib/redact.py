"""Keep secrets out of what Phoenix shows: results, traces, errors, logs, saved state.

One recognition of what a secret looks like serves every place that could
repeat one: the stack loader refuses a token pasted where the *name* of a
variable goes (``looks_like_secret``), and ``redact`` masks a token-shaped
word wherever text is shown or saved (errors, traces, breaker and health
state).

A value is token-shaped when it carries a known credential prefix (``hf_``,
``sk-``, ``ghp_``, ``github_pat_``, ``glpat-``, ``xoxb-``, ``AKIA``, a JWT's
``eyJ``, an ``Authorization`` scheme) or when it looks random: at least 20
letters and digits of which too few form words. "Words" are what names are
made of: the parts between ``_`` and ``-``, and the pieces of a camelCase part
that read like words (vowels, no long consonant runs) or numbers. So
``OPENAI_API_KEY_2`` and ``MY_HUGGINGFACE_TOKEN_2024`` are names, while
``rPzDKyZ7vuSj9bQIIr8yaRh8i4MGHhd3`` is not.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from urllib.parse import urlsplit

MASK = "***"
#: shorter runs of letters and digits are never called random: too little to tell a name from a key
RANDOM_MIN_CHARS = 20
#: the share of a long value that must read as words for it to be a name
WORD_SHARE = 0.5
#: bits per character below which a string is too repetitive to be a key
MIN_ENTROPY = 2.5

_B64URL = r"[A-Za-z0-9_-]"
# Credential formats that announce themselves. Bodies are long enough that a
# variable named after the service (HF_TOKEN, ghp_token, github_pat_for_ci) is not one.
_PREFIXED = re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join((
    r"hf_[A-Za-z0-9]{30,}",                         # Hugging Face
    r"sk-(?:proj-|ant-|svcacct-)?" + _B64URL + "{16,}",  # OpenAI, Anthropic
    r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}",    # Stripe
    r"gh[pousr]_[A-Za-z0-9]{30,}",                  # GitHub tokens
    r"github_pat_[A-Za-z0-9]{20,}_[A-Za-z0-9]{30,}",  # GitHub fine-grained
    r"glpat-" + _B64URL + "{16,}",                  # GitLab
    r"xox[abposr]-[A-Za-z0-9-]{8,}",                # Slack
    r"(?:AKIA|ASIA)[A-Z0-9]{16}",                   # AWS access key id
    r"AIza" + _B64URL + "{30,}",                    # Google API key
    r"npm_[A-Za-z0-9]{30,}",                        # npm
    r"pypi-" + _B64URL + "{30,}",                   # PyPI
    r"eyJ" + _B64URL + r"{10,}(?:\.[A-Za-z0-9_=-]*){0,2}",  # JWT (n8n API keys), base64 JSON
)) + ")")
# "Authorization: Bearer <credential>" and friends: the credential is masked, the scheme kept.
# A credential has a digit, a symbol or mixed case: "bearer authentication" is prose.
_SCHEME = re.compile(r"\b((?i:bearer|basic|token))(\s+)"
                     r"((?=[A-Za-z_]*[0-9.~+/=-]|[A-Za-z_]*[a-z][A-Z])[A-Za-z0-9._~+/=-]{12,})")
_WORD = re.compile(r"[A-Za-z0-9_-]{%d,}" % RANDOM_MIN_CHARS)
_PART_SPLIT = re.compile(r"[_-]+")
_CHUNK = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_VOWELS = re.compile(r"[aeiouAEIOU]")
# Content addresses name files (git commits, sha256 blobs in the HF cache) and
# UUIDs name n8n objects: shown text keeps them. A *name* position still refuses them.
_IDENTIFIER = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def looks_like_secret(value: str) -> bool:
    """True when ``value`` holds anything token-shaped (see the module doc)."""
    if not isinstance(value, str) or len(value) < 12:
        return False
    if _PREFIXED.search(value) or _SCHEME.search(value):
        return True
    return any(_random(word) for word in _WORD.findall(value))


def redact(text: str) -> str:
    """``text`` with every token-shaped word replaced by ``MASK``."""
    if not isinstance(text, str) or len(text) < 12:
        return text
    text = _PREFIXED.sub(MASK, text)
    text = _SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return _WORD.sub(_masked_word, text)


def redacted(document):
    """A JSON-like document with ``redact`` applied to every string in it, keys included."""
    if isinstance(document, str):
        return redact(document)
    if isinstance(document, dict):
        return {redacted(key): redacted(value) for key, value in document.items()}
    if isinstance(document, (list, tuple)):
        return [redacted(item) for item in document]
    return document


def _masked_word(match: re.Match) -> str:
    word = match.group(0)
    if _IDENTIFIER.fullmatch(word):
        return word
    return MASK if _random(word) else word


def _random(word: str) -> bool:
    """A run of letters, digits, ``_`` and ``-`` that reads as a key, not a name."""
    letters_digits = sum(ch.isalnum() for ch in word)
    if letters_digits < RANDOM_MIN_CHARS or word.isdigit() or _entropy(word) < MIN_ENTROPY:
        return False
    parts = [part for part in _PART_SPLIT.split(word) if part]
    if any(_digits_scattered(part) for part in parts):
        return True
    return sum(_word_chars(part) for part in parts) < WORD_SHARE * letters_digits


def _word_chars(part: str) -> int:
    """How many characters of one ``_``/``-`` part read as words or numbers."""
    one_case = part.isupper() or part.islower() or part.istitle() or part.isdigit()
    if one_case and (len(part) <= 5 or (part.isalpha() and len(part) <= 14)):
        return len(part)  # HF, K8S, v2, Api, 2024, TOKEN, huggingface: a short part or one plain word
    return sum(len(chunk) for chunk in _CHUNK.findall(part) if _wordlike(chunk))


def _wordlike(chunk: str) -> bool:
    if chunk.isdigit():
        return len(chunk) >= 4  # a year, a port, a size; short digit runs are what keys are made of
    if len(chunk) < 4:
        return False
    vowels = len(_VOWELS.findall(chunk))
    longest_consonants = max(len(run) for run in _VOWELS.split(chunk))
    return vowels >= 0.25 * len(chunk) and longest_consonants <= 4


def _digits_scattered(part: str) -> bool:
    """Three or more separate digit runs in one long part: how hex and base32 keys look."""
    return len(part) >= 16 and len(re.findall(r"[0-9]+", part)) >= 3 and not part.isdigit()


def _entropy(text: str) -> float:
    total = len(text)
    return -sum(count / total * math.log2(count / total) for count in Counter(text).values())


def shown_url(url: str) -> str:
    """``url`` fit for a message or a result: a user:password and a query string
    (where webhooks and endpoints take keys) are secrets, and errors end up in traces."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return f"{parts.scheme}://{netloc}{parts.path}"
