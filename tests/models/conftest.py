"""The router's loopback backends, shared with the inventory tests."""

from tests.router.conftest import full_stack, hf_cache, llama_server, ollama, ollama_server  # noqa: F401
