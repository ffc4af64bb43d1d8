"""A loopback stand-in that speaks Ollama's HTTP API, backed by a real GGUF.

No Ollama binary can run on these machines, so the official ``ollama`` client
is tested against this server. It follows Ollama's documented API:

- ``GET /`` "Ollama is running", ``GET /api/version``, ``GET /api/tags``;
- ``POST /api/chat``: ``stream`` defaults to true and streams NDJSON parts
  (``done: false`` ... then one ``done: true`` part with ``done_reason`` and
  the counters); ``format`` is ``"json"`` or a JSON schema (constrained
  decoding through llama.cpp); ``options.num_predict``/``temperature``/
  ``seed``/``stop``;
- errors are ``{"error": "..."}`` bodies: 404 ``model "x" not found, try
  pulling it first`` for a model it does not serve, 400 for a bad body;
- ``POST /api/embed`` (``{model, input}``: one text or a list -> ``{embeddings, prompt_eval_count}``,
  each vector L2-normalized, as Ollama returns them) and the older ``/api/embeddings``
  (``{model, prompt}`` -> ``{embedding}``): the GGUF's own vectors, mean-pooled by llama.cpp;
- ``POST /v1/chat/completions``: Ollama's OpenAI-compatible endpoint (JSON
  and SSE), used here as a server that may ignore ``response_format``.

Every served model name is answered by the same GGUF file (the tiny test
model). ``fault`` switches the server into a failure mode while it runs:
``hang`` (accept, never answer), ``500``, ``garbage`` (200 with a body that is
not JSON), ``slow_stream`` (one token every ``slow_s`` seconds),
``stream_error`` (an ``{"error"}`` line after the first token),
``ignore_format`` (free text whatever ``format`` asks), ``obedient`` (ignores
``format``/``response_format`` too, but, like an instruction-following model,
answers a minimal valid instance when a system message spells out a JSON
Schema), ``call_tool`` (a non-streamed chat given ``tools`` answers with a
``tool_calls`` call of the first one, minimal valid arguments); ``stop()`` then
``start()`` gives connection refused and recovery on the same port.

Run alone: ``python -m tests.support.ollama_server --gguf tiny.gguf --port N``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import socket
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FAULTS = (None, "hang", "500", "garbage", "slow_stream", "stream_error", "ignore_format", "obedient", "call_tool")
SCHEMA_CUE = "JSON Schema:"


def instance_of(schema: dict):
    """The smallest document a simple JSON Schema accepts (what an obedient model writes)."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: instance_of(properties[key]) for key in schema.get("required", properties)}
    return {"integer": 0, "number": 0, "boolean": False, "array": [], "null": None}.get(
        kind, "x" * max(1, schema.get("minLength", 1)))


def _spelled_out_schema(messages) -> dict | None:
    for message in messages:
        content = message.get("content") or ""
        if message.get("role") == "system" and SCHEMA_CUE in content:
            try:
                return json.loads(content.split(SCHEMA_CUE, 1)[1].strip())
            except ValueError:
                return None
    return None
VERSION = "0.12.6"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


class _Model:
    """One llama.cpp context shared by every served name, used under a lock."""

    def __init__(self, gguf: Path):
        from llama_cpp import Llama

        self.llama = Llama(model_path=str(gguf), n_ctx=4096, n_threads=1, n_threads_batch=1,
                           chat_format="chatml", verbose=False)
        self.gguf = gguf
        self.embedder = None  # a second context in embedding mode, made on the first /api/embed
        self.lock = threading.Lock()

    def pieces(self, messages, fmt, options):
        """Yield (text piece, finish_reason or None); constrained when ``fmt`` asks."""
        args = {"messages": messages, "max_tokens": int(options.get("num_predict") or 128),
                "temperature": float(options.get("temperature", 0.8)), "stream": True,
                "repeat_penalty": 1.1}
        if options.get("seed") is not None:
            args["seed"] = int(options["seed"])
        if options.get("stop"):
            args["stop"] = options["stop"]
        if fmt == "json":
            args["response_format"] = {"type": "json_object"}
        elif isinstance(fmt, dict):
            args["response_format"] = {"type": "json_object", "schema": fmt}
        with self.lock:
            for chunk in self.llama.create_chat_completion(**args):
                choice = chunk["choices"][0]
                yield choice["delta"].get("content") or "", choice.get("finish_reason")

    def embeddings(self, texts: list[str]) -> tuple[list[list[float]], int]:
        """Ollama's /api/embed: the mean of the token vectors, L2-normalized, and the prompt's token count."""
        from llama_cpp import LLAMA_POOLING_TYPE_MEAN, Llama

        with self.lock:
            if self.embedder is None:
                self.embedder = Llama(model_path=str(self.gguf), n_ctx=4096, n_threads=1, n_threads_batch=1,
                                      embedding=True, pooling_type=LLAMA_POOLING_TYPE_MEAN, verbose=False)
            vectors, tokens = [], 0
            for text in texts:
                tokens += len(self.embedder.tokenize(text.encode("utf-8"), add_bos=False))
                vector = [float(x) for x in self.embedder.embed(text or " ")]
                norm = sum(x * x for x in vector) ** 0.5 or 1.0
                vectors.append([x / norm for x in vector])
        return vectors, tokens


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes: without this, Nagle and
    # delayed ACKs add 40 ms to every answer
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        self.server.owner.connections.add(self.connection)

    def finish(self):
        self.server.owner.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, *args):
        pass

    # -- plumbing ------------------------------------------------------------
    @property
    def owner(self) -> "OllamaStandIn":
        return self.server.owner

    def _send(self, status: int, payload, content_type="application/json; charset=utf-8"):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _start_chunked(self, content_type: str):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _chunk(self, data: bytes):
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _end_chunked(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return None

    def _fault_answered(self) -> bool:
        """Apply the request-level fault modes; True when the request is handled."""
        fault = self.owner.fault
        if fault == "hang":
            self.owner.release.wait(self.owner.hang_s)
            self.close_connection = True
            return True
        if fault == "500":
            self._send(500, {"error": "llama runner process has terminated: signal: killed"})
            return True
        if fault == "garbage":
            self._send(200, b"<html>\x00\xffnot json at all", "application/json; charset=utf-8")
            return True
        return False

    # -- routes --------------------------------------------------------------
    def do_HEAD(self):
        self._record(None)
        self._send(200, b"", "text/plain; charset=utf-8")

    def do_GET(self):
        self._record(None)
        path = self.path.split("?", 1)[0]
        if self._fault_answered():
            return
        if path == "/":
            self._send(200, b"Ollama is running", "text/plain; charset=utf-8")
        elif path == "/api/version":
            self._send(200, {"version": VERSION})
        elif path == "/api/tags":
            self._send(200, {"models": [self.owner.tag(name) for name in self.owner.models]})
        elif path == "/v1/models":
            self._send(200, {"object": "list", "data": [
                {"id": name, "object": "model", "created": 0, "owned_by": "library"} for name in self.owner.models]})
        else:
            self._send(404, b"404 page not found", "text/plain; charset=utf-8")

    def do_POST(self):
        body = self._body()
        self._record(body)
        path = self.path.split("?", 1)[0]
        if self._fault_answered():
            return
        if body is None or not isinstance(body, dict):
            self._send(400, {"error": "invalid character 'x' looking for beginning of value"})
            return
        if path == "/api/chat":
            self._chat(body)
        elif path in ("/api/embed", "/api/embeddings"):
            self._embed(body, legacy=path == "/api/embeddings")
        elif path == "/v1/chat/completions":
            self._openai_chat(body)
        else:
            self._send(404, b"404 page not found", "text/plain; charset=utf-8")

    def _record(self, body):
        self.owner.requests.append({"method": self.command, "path": self.path, "body": body,
                                    "headers": dict(self.headers)})

    def _missing(self, model) -> bool:
        if model in self.owner.models:
            return False
        if not model:
            self._send(400, {"error": "model is required"})
        else:
            self._send(404, {"error": f'model "{model}" not found, try pulling it first'})
        return True

    def _embed(self, body: dict, legacy: bool):
        """``/api/embed`` ({model, input: text or texts} -> {embeddings}); legacy ``/api/embeddings``
        ({model, prompt} -> {embedding})."""
        if self._missing(body.get("model")):
            return
        started = time.monotonic()
        given = body.get("prompt") if legacy else body.get("input")
        texts = [given] if isinstance(given, str) else given
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            self._send(400, {"error": "invalid input type"})
            return
        vectors, tokens = self.owner.model.embeddings(texts)
        if legacy:
            self._send(200, {"embedding": vectors[0] if vectors else []})
            return
        elapsed = int((time.monotonic() - started) * 1e9)
        self._send(200, {"model": body["model"], "embeddings": vectors, "total_duration": elapsed,
                         "load_duration": 0, "prompt_eval_count": tokens})

    def _chat(self, body: dict):
        model = body.get("model")
        if self._missing(model):
            return
        fmt = body.get("format")
        if fmt not in (None, "", "json") and not isinstance(fmt, dict):
            self._send(400, {"error": "invalid format: expected \"json\" or a JSON schema"})
            return
        if self.owner.fault == "ignore_format":
            fmt = None
        options = body.get("options") or {}
        started = time.monotonic_ns()
        pieces = self.owner.model.pieces(body.get("messages") or [], fmt, options)
        if body.get("stream", True):
            self._chat_stream(model, pieces, started)
        else:
            text, finish, count = "", "stop", 0
            for piece, reason in pieces:
                text += piece
                count += bool(piece)
                finish = reason or finish
            reply = self._final(model, text, finish, count, started)
            if self.owner.fault == "call_tool" and body.get("tools"):
                function = body["tools"][0]["function"]
                arguments = instance_of(function.get("parameters") or {"type": "object"})
                reply["message"] = {"role": "assistant", "content": "",
                                    "tool_calls": [{"function": {"name": function["name"], "arguments": arguments}}]}
                reply["done_reason"] = "stop"
            self._send(200, reply)

    def _final(self, model, text, finish, count, started) -> dict:
        took = time.monotonic_ns() - started
        return {"model": model, "created_at": _now(), "message": {"role": "assistant", "content": text},
                "done_reason": finish, "done": True, "total_duration": took, "load_duration": 0,
                "prompt_eval_count": 1, "prompt_eval_duration": 0, "eval_count": count, "eval_duration": took}

    def _chat_stream(self, model, pieces, started):
        self._start_chunked("application/x-ndjson")
        count, finish = 0, "stop"
        try:
            for piece, reason in pieces:
                finish = reason or finish
                if not piece:
                    continue
                count += 1
                part = {"model": model, "created_at": _now(),
                        "message": {"role": "assistant", "content": piece}, "done": False}
                self._chunk(json.dumps(part).encode() + b"\n")
                if self.owner.fault == "stream_error":
                    self._chunk(json.dumps({"error": "an error was encountered while running the model"}).encode()
                                + b"\n")
                    self._end_chunked()
                    return
                if self.owner.fault == "slow_stream":
                    self.owner.release.wait(self.owner.slow_s)
            final = self._final(model, "", finish, count, started)
            self._chunk(json.dumps(final).encode() + b"\n")
            self._end_chunked()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its deadline): stop generating

    def _openai_chat(self, body: dict):
        if self.owner.fault == "obedient":
            schema = _spelled_out_schema(body.get("messages") or [])
            text = json.dumps(instance_of(schema)) if schema else "Sure! Here is what you asked for."
            self._send(200, {"id": "chatcmpl-obedient", "object": "chat.completion", "created": int(time.time()),
                             "model": body.get("model") or "default",
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                          "finish_reason": "stop"}],
                             "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
            return
        model = body.get("model")
        if model not in self.owner.models:
            model = self.owner.models[0] if self.owner.models else model
        fmt = None
        response_format = body.get("response_format") or {}
        if self.owner.fault != "ignore_format" and response_format.get("type") == "json_schema":
            fmt = (response_format.get("json_schema") or {}).get("schema") or "json"
        elif self.owner.fault != "ignore_format" and response_format.get("type") == "json_object":
            fmt = "json"
        options = {"num_predict": body.get("max_tokens"), "temperature": body.get("temperature", 1.0),
                   "seed": body.get("seed"), "stop": body.get("stop")}
        pieces = self.owner.model.pieces(body.get("messages") or [], fmt, options)
        ident = f"chatcmpl-{int(time.time() * 1000)}"
        if body.get("stream"):
            self._start_chunked("text/event-stream")
            for piece, reason in pieces:
                delta = {"role": "assistant", "content": piece}
                chunk = {"id": ident, "object": "chat.completion.chunk", "created": int(time.time()),
                         "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": reason}]}
                self._chunk(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            self._chunk(b"data: [DONE]\n\n")
            self._end_chunked()
            return
        text, finish, count = "", "stop", 0
        for piece, reason in pieces:
            text += piece
            count += bool(piece)
            finish = reason or finish
        self._send(200, {"id": ident, "object": "chat.completion", "created": int(time.time()), "model": model,
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                      "finish_reason": finish}],
                         "usage": {"prompt_tokens": 1, "completion_tokens": count, "total_tokens": count + 1}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        import sys

        if not isinstance(sys.exc_info()[1], OSError):  # clients hanging up are routine here
            super().handle_error(request, client_address)


class OllamaStandIn:
    """The server in a thread; a context manager that stops it and its handlers."""

    def __init__(self, gguf: Path, models: list[str], port: int = 0, fault: str | None = None,
                 slow_s: float = 0.5, hang_s: float = 120.0):
        self.model = _Model(Path(gguf))
        self.models = list(models)
        self.fault = fault
        self.slow_s = slow_s
        self.hang_s = hang_s
        self.requests: list[dict] = []
        self.connections: set = set()
        self.release = threading.Event()
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._created = _now()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tag(self, name: str) -> dict:
        digest = hashlib.sha256(name.encode()).hexdigest()
        family = name.split(":", 1)[0]
        return {"name": name, "model": name, "modified_at": self._created, "size": 262144, "digest": digest,
                "details": {"parent_model": "", "format": "gguf", "family": family, "families": [family],
                            "parameter_size": "0.1M", "quantization_level": "F32"}}

    def start(self) -> "OllamaStandIn":
        self.release.clear()
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.owner = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the listening socket: from now on, connection refused."""
        self.release.set()  # hung and slow handlers return at once
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for connection in list(self.connections):  # kept-alive connections die too
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]

    def __enter__(self) -> "OllamaStandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gguf", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--models", default="llama3:8b,mistral:7b")
    parser.add_argument("--fault", choices=[f for f in FAULTS if f], default=None)
    args = parser.parse_args()
    server = OllamaStandIn(Path(args.gguf), args.models.split(","), args.port, args.fault).start()
    print(f"listening {server.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
