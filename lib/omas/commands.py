"""Thanatos' command reader: what a shell command line does, and whether that is all it does.

    reading = read_command('bash -c "rm -rf .roo omas"')
    reading.effects     # (Effect('delete', '.roo'), Effect('delete', 'omas'))
    reading.understood  # True
    reading.doubts      # why it is not fully understood (empty here)

The command is parsed as a POSIX/bash shell would (``lib/omas/shell_syntax.py``)
and then followed, never run: quotes removed, variables and ``cd`` followed
(``D=.roo; rm -rf $D``, ``cd .roo && rm -rf *``), command and process
substitutions read as the commands they run, here-documents and pipes fed to
the programs that read them (``echo 'rm -rf .roo' | sh``), and each program
looked up in ``lib/omas/programs.py`` (what programs do to files and
services) or ``lib/omas/command_runners.py``: wrappers (``sudo``, ``env``,
``timeout``, ``xargs``...) are read through, shells' ``-c`` and interpreters'
inline code (``python -c``, ``node -e``, ``powershell -Command``, ``cmd /c``,
``lib/omas/inline_code.py``) are read in turn.

A command is *understood* only when every part of it was: an unknown program,
a path or program name computed when it runs, code that cannot be parsed, a
shell reading commands from input it cannot see... each adds a doubt, and the
judge (``lib/omas/rules.py``) counts a command with doubts as high risk.
Running a program file or a known tool (``python scripts/run.py ...``,
``pytest``, ``make``) is read as a ``run`` of it: its code is the project's,
not the proposal's, but what it is handed is kept (``Effect.handed``) so a
protected folder handed to it is seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .command_model import Effect, Found, Scope, Value
from .command_runners import RUNNERS
from .programs import PROGRAMS, Call, split_args
from .shell_syntax import RESERVED, Compound, Lit, Param, Simple, Sub, Unparsable, Word, parse

__all__ = ["Effect", "Reading", "normalized_command", "read_command"]

#: longer command lines are not read (a proposal's action is at most 160 characters)
MAX_LENGTH = 20_000
#: simple commands followed in one reading (loops over brace expansions multiply them)
MAX_COMMANDS = 2_000
MAX_ALTERNATIVES = 64
_SCRIPT_SUFFIXES = (".sh", ".bash", ".py", ".js", ".mjs", ".ts", ".rb", ".pl", ".php", ".ps1", ".bat", ".cmd")
_HANDLERS = {**PROGRAMS, **RUNNERS}
_DEFAULTS = {"IFS": " \t\n", "HOME": "~"}
#: two words side by side (`rm -rf`, `x .roo`): never an arithmetic expression
_NOT_ARITHMETIC = re.compile(r"[A-Za-z_][\w.]*\s+(-[A-Za-z]|[A-Za-z_./~])")


@dataclass(frozen=True)
class Reading:
    effects: tuple[Effect, ...]
    doubts: tuple[str, ...]

    @property
    def understood(self) -> bool:
        return not self.doubts


def read_command(command: str) -> Reading:
    """What ``command`` does (effects, in order) and why it is not fully understood (doubts)."""
    text = normalized_command(command)
    found = Found()
    if len(text) > MAX_LENGTH:
        found.doubt(f"the command is too long to read ({len(text)} characters)")
    else:
        _Reader(found).read_text(text, Scope(), None, "the command")
    return Reading(tuple(found.effects), tuple(found.doubts))


def normalized_command(command: str) -> str:
    """Line ends as the shell sees them; control characters that only hide things dropped."""
    text = command.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\v\f]", " ", text)
    return re.sub(r"[\x00-\x08\x0e-\x1f\x7f]", "", text)


class _Reader:
    def __init__(self, found: Found):
        self.found = found
        self.budget = MAX_COMMANDS

    # -- text -> tree
    def read_text(self, text: str, scope: Scope, stdin: str | None, label: str) -> str | None:
        if scope.depth > 32:
            self.found.doubt(f"{label}: commands nested too deeply to read")
            return None
        try:
            script = parse(text, scope.depth)
        except (Unparsable, RecursionError) as exc:
            self.found.doubt(f"{label} does not parse ({exc}): {text[:80]}")
            self._read_loosely(text, scope)
            return None
        return self.script(script, scope, stdin)

    def _read_loosely(self, text: str, scope: Scope) -> None:
        """What an unparsable command visibly names: each piece between separators, quotes ignored."""
        for piece in re.split(r"[;&|()\n`]+|\$\(", text):
            words = [w for w in re.sub(r"['\"\\]", " ", piece).split() if w]
            while words and words[0] in RESERVED:
                words.pop(0)
            if words and scope.depth < 32:
                self.run_argv([Value(w) for w in words], scope.child(), None)

    # -- tree
    def script(self, script, scope: Scope, stdin: str | None) -> str | None:
        outputs = [self.pipeline(pipeline, scope, stdin) for pipeline in script.pipelines]
        return "".join(outputs) if outputs and all(o is not None for o in outputs) else None

    def pipeline(self, pipeline, scope: Scope, stdin: str | None) -> str | None:
        data = stdin
        for command in pipeline.commands:
            # in bash every part of a pipeline runs in a subshell, the last one too
            data = self.command(command, scope if len(pipeline.commands) == 1 else scope.child(), data)
        return data

    def command(self, node, scope: Scope, stdin: str | None) -> str | None:
        if isinstance(node, Simple):
            return self.simple(node, scope, stdin)
        stdin = self.redirections(node.redirects, scope, stdin)
        if node.kind == "function":
            scope.functions.add(node.name)
            body_scope = scope.child()
            for key in [str(i) for i in range(10)] + ["@", "*", "#"]:
                body_scope.env[key] = None  # a function's arguments are whatever its callers give
            self.script(node.bodies[0], body_scope, None)
            return None
        for word in node.words:
            self.expand(word, scope)
        if node.kind == "arith" and _NOT_ARITHMETIC.search(node.words[0].raw):
            # `$(( rm -rf .roo ))` is arithmetic to bash, a subshell to a reader of `$( (...) )`
            self.found.doubt(f"arithmetic that reads like a command: (( {node.words[0].raw.strip()} ))")
            self.read_text(node.words[0].raw, scope.child(), None, "arithmetic")
        inner = scope.child() if node.kind == "subshell" else scope
        if node.kind == "for" and node.loop_name:
            return self.loop(node, inner, stdin)
        outputs = [self.script(body, inner, stdin) for body in node.bodies]
        return "".join(outputs) if outputs and all(o is not None for o in outputs) else None

    def loop(self, node: Compound, scope: Scope, stdin: str | None) -> None:
        values = [v for word in node.words for v in self.expand(word, scope)]
        if not values or len(values) > 16 or any(not v.known for v in values):
            scope.env[node.loop_name] = None
            values = [None]
        for value in values:
            if value is not None:
                scope.env[node.loop_name] = value.text
            self.script(node.bodies[0], scope, stdin)
        return None

    def simple(self, node: Simple, scope: Scope, stdin: str | None) -> str | None:
        self.budget -= 1
        if self.budget < 0:
            if self.budget == -1:
                self.found.doubt("the command runs too many commands to read them all")
            return None
        local = scope if not node.words else scope.child()
        for name, word in node.assigns:
            self.found.assigned(name)
            values = self.expand(word, scope, split=False)
            value = values[0] if values else Value("")
            local.env[name] = value.text if value.known else None
        argv = [v for word in node.words for v in self.expand(word, scope)]
        stdin = self.redirections(node.redirects, scope, stdin)
        if not argv:
            return None
        if node.assigns:
            local.cwd, local.functions = scope.cwd, scope.functions
            output = self.run_argv(argv, local, stdin)
            scope.cwd = local.cwd
            return output
        return self.run_argv(argv, scope, stdin)

    def redirections(self, redirects: list, scope: Scope, stdin: str | None) -> str | None:
        for redirect in redirects:
            if redirect.op in ("<<", "<<-"):
                body = self.expand(redirect.heredoc, scope, split=False) if redirect.heredoc else [Value("")]
                stdin = body[0].text if body and body[0].known else None
                continue
            values = self.expand(redirect.target, scope, split=False)
            target = values[0] if values else Value("")
            if redirect.op == "<<<":
                stdin = target.text + "\n" if target.known else None
            elif redirect.op in ("<&", ">&") and re.fullmatch(r"\d+-?|-", target.text):
                continue  # a file descriptor duplicated or closed, not a file
            elif redirect.op == "<":
                stdin = None
                self.redirected(scope).effect("read", target)
            else:
                self.redirected(scope).effect("write", target)
        return stdin

    def redirected(self, scope: Scope) -> Call:
        """A redirection's file is opened by the shell itself: recorded as a program's would be."""
        return Call("a redirection", [], scope, None, self, self.found)


    # -- programs
    def run_argv(self, argv: list, scope: Scope, stdin: str | None) -> str | None:
        """Run (read) one command given as the words the shell would pass to ``execve``."""
        if not argv:
            return None
        if scope.depth > 32:
            self.found.doubt("commands nested too deeply to read")
            return None
        first = argv[0]
        if not first.known:
            self.found.doubt(f"the program to run is computed when it runs: {first.text}")
        name = _program_name(first.text)
        if name in scope.functions:
            return None  # its body was read where it was defined
        handler = _HANDLERS.get(name)
        call = Call(name, list(argv[1:]), scope, stdin, self, self.found)
        if handler is not None:
            return handler(call)
        if re.search(r"[/\\]", first.text) or first.text.lower().endswith(_SCRIPT_SUFFIXES):
            call.opaque(first.text, list(argv[1:]))
            return None
        operands, _ = split_args(list(argv[1:]))
        self.found.doubt(f"unknown program {first.text!r}" + (
            f" (given {', '.join(repr(v.text) for v in operands[:3])})" if operands else ""))
        return None

    # -- words
    def expand(self, word: Word | None, scope: Scope, split: bool = True) -> list[Value]:
        """The values a word becomes: brace expansion, parameters, substitutions, field splitting."""
        if word is None:
            return []
        values = []
        for parts in _brace_expansions(word.parts, self.found):
            values += self.fields(parts, scope, split)
        if "\\" in word.raw and len(values) == 1 and all(isinstance(p, Lit) for p in word.parts):
            windows = re.sub(r"['\"]", "", word.raw)
            if windows != values[0].text:
                values = [Value(values[0].text, values[0].known, windows)]
        return values

    def fields(self, parts: list, scope: Scope, split: bool) -> list[Value]:
        fields: list[list[tuple[str, bool]]] = [[]]
        for part in parts:
            if isinstance(part, Lit):
                fields[-1].append((part.text, True))
                continue
            text, known, always_split = self.part(part, scope)
            if (part.quoted and not always_split) or not split or not known:
                fields[-1].append((text, known))
                continue
            pieces = re.split(r"[ \t\n]+", text)
            for index, piece in enumerate(pieces):
                if index:
                    fields.append([])
                if piece:
                    fields[-1].append((piece, known))
        return [Value("".join(t for t, _ in f), all(k for _, k in f)) for f in fields if f]

    def part(self, part, scope: Scope) -> tuple[str, bool, bool]:
        """(text, known, split even when quoted) of one expansion."""
        if isinstance(part, Sub):
            if part.kind == "process":
                self.script(part.body, scope.child(), None)
                return f"<({part.raw})", False, False
            output = self.script(part.body, scope.child(), None)
            if part.kind == "arith" or output is None:
                return (f"$(({part.raw}))" if part.kind == "arith" else f"$({part.raw})"), False, False
            return output.rstrip("\n"), True, False
        return self.parameter(part, scope)

    def parameter(self, param: Param, scope: Scope) -> tuple[str, bool, bool]:
        spelled = f"${{{param.name}}}" if param.op is None else f"${{{param.name}{param.op.lstrip('?')}}}"
        if param.op is not None and param.op.startswith("?") and len(param.op) > 1 or param.op == "#len":
            if param.arg is not None:
                self.expand(param.arg, scope)
            return spelled, False, False
        if param.name in ("@", "*"):
            count = scope.env.get("#")
            if count is None or not str(count).isdigit():
                return spelled, False, True
            values = [scope.env.get(str(i)) for i in range(1, int(count) + 1)]
            if any(v is None for v in values):
                return spelled, False, True
            return " ".join(values), True, param.name == "@"
        name = param.name
        if param.op == "!":
            target = scope.env.get(name)
            if target is None:
                return spelled, False, False
            name = target
        present = name in scope.env or name in _DEFAULTS
        value = scope.env.get(name, _DEFAULTS.get(name))
        known = present and value is not None
        if param.op in (None, "!"):
            return (value if known else spelled), known, False
        alternative = self.expand(param.arg, scope, split=False) if param.arg else [Value("")]
        alt = alternative[0] if alternative else Value("")
        empty_counts = param.op.startswith(":")
        is_set = known and (bool(value) or not empty_counts)
        if param.op.lstrip(":") in ("-", "=", "?"):
            if not present:  # it may come from the environment: the default is a guess
                return alt.text, False, False
            result = (value, True) if is_set else (alt.text, alt.known)
            if param.op.lstrip(":") == "=" and not is_set:
                scope.env[name] = alt.text if alt.known else None
            return result[0], result[1] and known, False
        # ":+" / "+": the alternative when set
        if not present:
            return alt.text, False, False
        return (alt.text if is_set else ""), alt.known and known, False


def _program_name(text: str) -> str:
    name = re.split(r"[\\/]", text)[-1].lower()
    return name[:-4] if name.endswith(".exe") else name


# --- brace expansion ------------------------------------------------------------------
class _Brace(str):
    """An unquoted ``{``, ``,`` or ``}``: brace expansion's own characters."""


def _brace_expansions(parts: list, found: Found) -> list[list]:
    if not any(isinstance(p, Lit) and not p.quoted and "{" in p.text for p in parts):
        return [parts]
    atoms = []
    for part in parts:
        if isinstance(part, Lit) and not part.quoted:
            atoms += [_Brace(c) if c in "{,}" else c for c in part.text]
        else:
            atoms.append(part)
    expanded = _expand_atoms(atoms)
    if len(expanded) > MAX_ALTERNATIVES:
        found.doubt(f"brace expansion makes more than {MAX_ALTERNATIVES} words")
        expanded = expanded[:MAX_ALTERNATIVES]
    return [_rebuild(a) for a in expanded]


def _expand_atoms(atoms: list) -> list[list]:
    for start, atom in enumerate(atoms):
        if not (isinstance(atom, _Brace) and atom == "{"):
            continue
        depth, commas, end = 0, [], None
        for index in range(start, len(atoms)):
            if isinstance(atoms[index], _Brace):
                if atoms[index] == "{":
                    depth += 1
                elif atoms[index] == "}":
                    depth -= 1
                    if depth == 0:
                        end = index
                        break
                elif depth == 1:
                    commas.append(index)
        if end is None:
            return [atoms]
        if commas:
            bounds = [start] + commas + [end]
            choices = [atoms[a + 1:b] for a, b in zip(bounds, bounds[1:])]
        else:
            choices = _sequence(atoms[start + 1:end])
            if choices is None:
                continue
        results = []
        for choice in choices:
            for tail in _expand_atoms(choice + atoms[end + 1:]):
                results.append(atoms[:start] + tail)
                if len(results) > MAX_ALTERNATIVES:
                    return results
        return results
    return [atoms]


def _sequence(atoms: list) -> list[list] | None:
    if not all(isinstance(a, str) for a in atoms):
        return None
    match = re.fullmatch(r"(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?", "".join(atoms))
    if not match:
        return None
    first, last, step = match.group(1), match.group(2), abs(int(match.group(3) or 1)) or 1
    if first.lstrip("-").isdigit() != last.lstrip("-").isdigit():
        return None
    if first.lstrip("-").isdigit():
        a, b = int(first), int(last)
        items = [str(i) for i in range(a, b + (1 if b >= a else -1), step if b >= a else -step)]
    else:
        a, b = ord(first), ord(last)
        items = [chr(i) for i in range(a, b + (1 if b >= a else -1), step if b >= a else -step)]
    return [list(item) for item in items[:MAX_ALTERNATIVES + 1]]


def _rebuild(atoms: list) -> list:
    parts, text = [], []
    for atom in atoms:
        if isinstance(atom, str):
            text.append(str(atom))
            continue
        if text:
            parts.append(Lit("".join(text), False))
            text = []
        parts.append(atom)
    if text:
        parts.append(Lit("".join(text), False))
    return parts
