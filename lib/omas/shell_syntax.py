"""A POSIX/bash command line parsed into a tree, for Thanatos to read (never to run).

``parse(text)`` returns a ``Script``: the pipelines it runs, with compound
commands (``( ... )``, ``{ ...; }``, ``if``/``for``/``while``/``case``,
function bodies) kept as nodes, and every word kept as its parts (literal
text, quoted or not, parameter expansions, command and process
substitutions, arithmetic), so that the reader (``lib/omas/commands.py``)
expands them as the shell would: quote removal (``r''m``, ``"rm"``, ``\\rm``,
``$'\\x72m'``), brace expansion (``{.roo,omas}``), here-documents and
here-strings, line continuations, comments.

What it cannot parse raises ``Unparsable`` with what and where; the reader
then counts the command as not understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import Unsupported

#: nesting the parser follows before it gives up (substitutions in substitutions...)
MAX_DEPTH = 24
#: compound commands inside compound commands (subshells, groups, loops) before it gives up
MAX_NESTING = 100
RESERVED = {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "in", "case", "esac",
            "select", "function", "{", "}", "!", "[[", "]]", "time", "coproc"}
_OPERATORS = ("<<<", "<<-", "&>>", ";;&", "<<", ">>", "<&", ">&", "<>", ">|", "&&", "||", "|&", ";;", ";&",
              "&>", "<", ">", ";", "&", "|", "(", ")")
_REDIRECTS = {"<<<", "<<-", "&>>", "<<", ">>", "<&", ">&", "<>", ">|", "&>", "<", ">"}
_META = set(" \t\n;&|<>()")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ANSI = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
         "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


class Unparsable(Unsupported):
    """The text is not a command line this parser can take apart (message says what and where)."""

    kind = "unparsable"


# --- the tree ----------------------------------------------------------------
@dataclass
class Lit:
    text: str
    quoted: bool


@dataclass
class Param:
    name: str
    op: str | None = None  # ":-", "-", ":=", "=", ":+", "+", ":?", "?", "#len", "!", or another (not computed)
    arg: "Word | None" = None
    quoted: bool = False


@dataclass
class Sub:
    """``$(...)``, backticks, ``<(...)``/``>(...)`` (``process``), or ``$((...))`` (``arith``)."""
    body: "Script"
    raw: str
    kind: str = "command"  # command | process | arith
    quoted: bool = False


@dataclass
class Word:
    parts: list
    raw: str

    @property
    def literal(self) -> str | None:
        """The word's text when it is plain unquoted text (how reserved words are recognised)."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Lit) and not self.parts[0].quoted:
            return self.parts[0].text
        return None


@dataclass
class Redirect:
    op: str
    target: Word | None  # None for a here-document
    fd: str | None = None
    heredoc: Word | None = None  # the body, expandable unless the delimiter was quoted


@dataclass
class Simple:
    assigns: list  # (name, Word)
    words: list
    redirects: list = field(default_factory=list)


@dataclass
class Compound:
    """Anything with a body: ``kind`` says what (subshell, group, if, while, case, arith, ...)."""
    kind: str
    bodies: list  # Scripts, all of which may run
    words: list = field(default_factory=list)  # words it expands (a case subject, [[ ]] operands)
    redirects: list = field(default_factory=list)
    loop_name: str | None = None  # for NAME in words
    name: str | None = None  # function name


@dataclass
class Pipeline:
    commands: list


@dataclass
class Script:
    pipelines: list


# --- parsing -------------------------------------------------------------------
def parse(text: str, depth: int = 0) -> Script:
    parser = _Parser(text, depth)
    script = parser.script(terminators=set())
    if parser.pos < len(text):
        raise Unparsable(f"unexpected {text[parser.pos:parser.pos + 10]!r} at {parser.pos}")
    return script


class _Parser:
    def __init__(self, text: str, depth: int):
        if depth > MAX_DEPTH:
            raise Unparsable("nested too deeply")
        self.text, self.pos, self.depth, self.nesting = text, 0, depth, 0
        self.pending_heredocs: list[tuple[Redirect, str, bool, bool]] = []

    # -- characters
    def peek(self, n: int = 1) -> str:
        return self.text[self.pos:self.pos + n]

    def skip_blanks(self) -> None:
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in " \t":
                self.pos += 1
            if self.peek(2) == "\\\n":
                self.pos += 2
                continue
            if self.peek() == "#":
                while self.pos < len(self.text) and self.text[self.pos] != "\n":
                    self.pos += 1
            return

    def operator(self) -> str | None:
        self.skip_blanks()
        for op in _OPERATORS:
            if self.text.startswith(op, self.pos):
                if op in ("<", ">") and self.peek(2) in ("<(", ">("):
                    return None  # a process substitution is a word
                return op
        return None

    def take(self, op: str) -> None:
        self.pos += len(op)

    def newline(self) -> bool:
        self.skip_blanks()
        if self.peek() == "\n":
            self.pos += 1
            self.read_heredocs()
            return True
        return False

    def skip_newlines(self) -> None:
        while self.newline():
            pass

    # -- lists
    def script(self, terminators: set) -> Script:
        pipelines = []
        while True:
            self.skip_newlines()
            if self.at_end(terminators):
                return Script(pipelines)
            pipelines.append(self.pipeline(terminators))
            op = self.operator()
            if op in (";", "&", "&&", "||"):
                self.take(op)
            elif not self.newline() and not self.at_end(terminators):
                raise Unparsable(f"unexpected {self.text[self.pos:self.pos + 10]!r} at {self.pos}")

    def at_end(self, terminators: set) -> bool:
        self.skip_blanks()
        if self.pos >= len(self.text):
            return True
        op = self.operator()
        if op is not None and op in terminators:
            return True
        if op in (")", ";;", ";&", ";;&"):
            return True
        word = self.peek_word_literal()
        return word is not None and word in terminators

    def peek_word_literal(self) -> str | None:
        match = re.match(r"[^\s;&|<>()'\"\\$`]+", self.text[self.pos:])
        if match and (self.pos + match.end() >= len(self.text) or self.text[self.pos + match.end()] in _META):
            return match.group()
        return None

    def pipeline(self, terminators: set) -> Pipeline:
        commands = []
        while True:
            self.skip_blanks()
            literal = self.peek_word_literal()
            if literal == "time" and re.match(r"time[ \t]+-(?!p[ \t])", self.text[self.pos:]):
                literal = None  # `time -o FILE cmd` is the time program, not bash's keyword
            if literal in ("!", "time"):
                self.pos += len(literal)
                self.skip_blanks()
                if literal == "time" and self.peek_word_literal() == "-p":
                    self.pos += 2
                continue
            commands.append(self.command(terminators))
            op = self.operator()
            if op in ("|", "|&"):
                self.take(op)
                self.skip_newlines()
                continue
            return Pipeline(commands)

    # -- commands
    def command(self, terminators: set):
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise Unparsable("compound commands nested too deeply")
        try:
            return self.one_command(terminators)
        finally:
            self.nesting -= 1

    def one_command(self, terminators: set):
        self.skip_blanks()
        op = self.operator()
        if op == "(":
            self.take("(")
            if self.peek() == "(":
                return self.arith_command()
            body = self.script({")"})
            self.expect(")")
            return Compound("subshell", [body], redirects=self.redirects())
        literal = self.peek_word_literal()
        if literal in _COMPOUNDS:
            self.pos += len(literal)
            node = _COMPOUNDS[literal](self)
            node.redirects += self.redirects()
            return node
        if literal == "function":
            self.pos += len(literal)
            self.skip_blanks()
            return self.function(self.word().raw)
        return self.simple(terminators)

    def expect(self, op: str) -> None:
        if self.operator() != op:
            raise Unparsable(f"expected {op!r} at {self.pos}")
        self.take(op)

    def expect_word(self, literal: str) -> None:
        self.skip_newlines()
        self.skip_blanks()
        if self.peek_word_literal() != literal:
            raise Unparsable(f"expected {literal!r} at {self.pos}")
        self.pos += len(literal)

    def simple(self, terminators: set) -> Simple:
        assigns, words, redirects = [], [], []
        while True:
            self.skip_blanks()
            op = self.operator()
            if op in _REDIRECTS or (self.fd_prefix() is not None):
                redirects.append(self.redirect())
                continue
            if op is not None or self.pos >= len(self.text) or self.peek() == "\n":
                break
            assignment = re.match(r"([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=", self.text[self.pos:])
            if not words and assignment:
                self.pos += assignment.end()
                assigns.append((assignment.group(1), self.word(allow_empty=True)))
                continue
            words.append(self.word())
            if len(words) == 1 and not assigns and self.operator() == "(" and self.text[self.pos:].lstrip(
                    " \t").startswith("()"):
                self.skip_blanks()
                self.pos += 1
                self.expect(")")
                return self.function(words[0].raw)
            if words[0].literal == "[[":
                return self.double_bracket(words)
        if not (assigns or words or redirects):
            raise Unparsable(f"empty command at {self.pos}")
        return Simple(assigns, words, redirects)

    def double_bracket(self, words: list) -> Compound:
        while True:
            self.skip_blanks()
            if self.peek_word_literal() == "]]":
                self.pos += 2
                return Compound("test", [], words=words[1:])
            if self.pos >= len(self.text):
                raise Unparsable("[[ without ]]")
            op = self.operator()
            if op is not None:  # && || < > ( ) inside [[ ]] are its own operators
                self.take(op)
                continue
            words.append(self.word())

    def function(self, name: str) -> Compound:
        self.skip_blanks()
        if self.text.startswith("()", self.pos):
            self.pos += 2
        self.skip_newlines()
        body = self.command(set())
        return Compound("function", [Script([Pipeline([body])])], name=name)

    def arith_command(self) -> Compound:
        self.pos += 1
        end = _matching(self.text, self.pos, "(", ")")
        if end is None or self.text[end + 1:end + 2] != ")":
            raise Unparsable("(( without ))")
        raw = self.text[self.pos:end]
        self.pos = end + 2
        return Compound("arith", [], words=[_arith_word(raw, self.depth)], redirects=self.redirects())

    def redirects(self) -> list:
        found = []
        while True:
            self.skip_blanks()
            if self.operator() in _REDIRECTS or self.fd_prefix() is not None:
                found.append(self.redirect())
            else:
                return found

    def fd_prefix(self) -> str | None:
        match = re.match(r"(\d+|\{[A-Za-z_][A-Za-z0-9_]*\})(?=[<>])", self.text[self.pos:])
        return match.group(1) if match else None

    def redirect(self) -> Redirect:
        fd = self.fd_prefix()
        if fd:
            self.pos += len(fd)
        op = self.operator()
        self.take(op)
        if op in ("<<", "<<-"):
            self.skip_blanks()
            delimiter = self.word()
            quoted = any(not isinstance(p, Lit) or p.quoted for p in delimiter.parts) or "\\" in delimiter.raw
            text = "".join(p.text for p in delimiter.parts if isinstance(p, Lit))
            redirect = Redirect(op, None, fd)
            self.pending_heredocs.append((redirect, text, quoted, op == "<<-"))
            return redirect
        self.skip_blanks()
        return Redirect(op, self.word(), fd)

    def read_heredocs(self) -> None:
        for redirect, delimiter, quoted, strip_tabs in self.pending_heredocs:
            lines = []
            while self.pos < len(self.text):
                newline = self.text.find("\n", self.pos)
                stop = len(self.text) if newline < 0 else newline
                line = self.text[self.pos:stop]
                self.pos = stop + 1 if newline >= 0 else stop
                if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                    break
                lines.append(line.lstrip("\t") if strip_tabs else line)
            body = "\n".join(lines) + ("\n" if lines else "")
            redirect.heredoc = Word([Lit(body, True)], body) if quoted else _dquoted_word(body, self.depth)
        self.pending_heredocs = []

    # -- words
    def word(self, allow_empty: bool = False, meta: frozenset | set = _META) -> Word:
        start, parts = self.pos, []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in meta:
                if char in "<>" and self.peek(2) in ("<(", ">(") and self.pos == start:
                    parts.append(self.substitution("process", self.pos + 2))
                    continue
                break
            if char == "\\":
                if self.peek(2) == "\\\n":
                    self.pos += 2
                else:
                    parts.append(Lit(self.text[self.pos + 1:self.pos + 2], True))
                    self.pos += 2
            elif char == "'":
                end = self.text.find("'", self.pos + 1)
                if end < 0:
                    raise Unparsable(f"unterminated ' at {self.pos}")
                parts.append(Lit(self.text[self.pos + 1:end], True))
                self.pos = end + 1
            elif char == '"':
                self.pos += 1
                parts += self.dquoted('"')
                if self.peek() != '"':
                    raise Unparsable(f'unterminated " at {start}')
                self.pos += 1
            elif char == "$" and self.peek(2) == "$'":
                parts.append(Lit(self.ansi_c(), True))
            elif char == "$" and self.peek(2) == '$"':
                self.pos += 1
            elif char in "$`":
                parts.append(self.dollar(quoted=False))
            elif char in "@!+*?" and self.peek(2)[1:] == "(":
                end = _matching(self.text, self.pos + 2, "(", ")")
                if end is None:
                    raise Unparsable(f"unterminated {char}( at {self.pos}")
                parts.append(Lit("*", False))  # an extended glob may match anything
                self.pos = end + 1
            else:
                match = re.match(r"[^\s;&|<>()'\"\\$`@!+*?]+|.", self.text[self.pos:], re.S)
                parts.append(Lit(match.group(), False))
                self.pos += match.end()
        if self.pos == start and not allow_empty:
            raise Unparsable(f"expected a word at {self.pos}")
        return Word(_merge(parts), self.text[start:self.pos])

    def dquoted(self, closing: str | None) -> list:
        parts = []
        while self.pos < len(self.text) and (closing is None or self.text[self.pos] != closing):
            char = self.text[self.pos]
            if char == "\\" and self.peek(2)[1:] in ("$", "`", '"', "\\", "\n"):
                if self.peek(2) != "\\\n":
                    parts.append(Lit(self.text[self.pos + 1], True))
                self.pos += 2
            elif char in "$`":
                parts.append(self.dollar(quoted=True))
            else:
                parts.append(Lit(char, True))
                self.pos += 1
        return parts

    def ansi_c(self) -> str:
        self.pos += 2
        out = []
        while self.pos < len(self.text) and self.text[self.pos] != "'":
            char = self.text[self.pos]
            if char != "\\":
                out.append(char)
                self.pos += 1
                continue
            rest = self.text[self.pos + 1:]
            match = (re.match(r"x([0-9A-Fa-f]{1,2})", rest) or re.match(r"u([0-9A-Fa-f]{1,4})", rest)
                     or re.match(r"U([0-9A-Fa-f]{1,8})", rest) or re.match(r"([0-7]{1,3})", rest))
            if match:
                base = 8 if match.group(0)[0] in "01234567" else 16
                out.append(chr(min(int(match.group(1), base), 0x10FFFF)))
                self.pos += 1 + match.end()
            elif rest[:1] == "c" and len(rest) > 1:
                out.append(chr(ord(rest[1]) & 0x1F))
                self.pos += 3
            else:
                out.append(_ANSI.get(rest[:1], "\\" + rest[:1]))
                self.pos += 2
        if self.pos >= len(self.text):
            raise Unparsable("unterminated $'")
        self.pos += 1
        return "".join(out)

    def dollar(self, quoted: bool):
        if self.peek() == "`":
            return self.backticks(quoted)
        if self.peek(3) == "$((":
            end = _matching(self.text, self.pos + 3, "(", ")")
            if end is not None and self.text[end + 1:end + 2] == ")":
                raw = self.text[self.pos + 3:end]
                self.pos = end + 2
                word = _arith_word(raw, self.depth)
                return Sub(Script([Pipeline([Compound("arith", [], words=[word])])]), raw, "arith", quoted)
        if self.peek(2) == "$(":
            return self.substitution("command", self.pos + 2, quoted)
        if self.peek(2) == "${":
            return self.braced(quoted)
        match = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!_-])", self.text[self.pos:])
        if match:
            self.pos += match.end()
            return Param(match.group(1), quoted=quoted)
        self.pos += 1
        return Lit("$", quoted)

    def substitution(self, kind: str, body_start: int, quoted: bool = False) -> Sub:
        inner = _Parser(self.text, self.depth + 1)
        inner.pos = body_start
        body = inner.script({")"})
        if inner.operator() != ")":
            raise Unparsable(f"unterminated substitution at {self.pos}")
        raw = self.text[body_start:inner.pos]
        self.pos = inner.pos + 1
        return Sub(body, raw, kind, quoted)

    def backticks(self, quoted: bool) -> Sub:
        out, index = [], self.pos + 1
        while index < len(self.text) and self.text[index] != "`":
            if self.text[index] == "\\" and self.text[index + 1:index + 2] in ("`", "\\", "$"):
                index += 1
            out.append(self.text[index])
            index += 1
        if index >= len(self.text):
            raise Unparsable(f"unterminated ` at {self.pos}")
        self.pos = index + 1
        raw = "".join(out)
        return Sub(parse(raw, self.depth + 1), raw, "command", quoted)

    def braced(self, quoted: bool) -> Param:
        end = _matching(self.text, self.pos + 2, "{", "}")
        if end is None:
            raise Unparsable(f"unterminated ${{ at {self.pos}")
        inside = self.text[self.pos + 2:end]
        self.pos = end + 1
        if inside.startswith("#") and _NAME.fullmatch(inside[1:]):
            return Param(inside[1:], "#len", quoted=quoted)
        if inside.startswith("!"):
            name = inside[1:]
            return Param(name, "!" if _NAME.fullmatch(name) else "?computed", quoted=quoted)
        match = re.match(r"([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!_-])(.*)", inside, re.S)
        if not match:
            raise Unparsable(f"bad substitution ${{{inside}}}")
        name, rest = match.groups()
        if not rest:
            return Param(name, quoted=quoted)
        op = re.match(r":[-=+?]|[-=+?]", rest)
        if op:
            arg = _Parser(rest[op.end():], self.depth + 1)
            return Param(name, op.group(), arg.word(allow_empty=True, meta=frozenset()), quoted)
        return Param(name, "?" + rest, quoted=quoted)  # ${x/a/b}, ${x#p}, ${x:1:2}...: not computed


_COMPOUNDS = {}


def _compound(word: str):
    def register(function):
        _COMPOUNDS[word] = function
        return function
    return register


@_compound("{")
def _group(parser: _Parser) -> Compound:
    body = parser.script({"}"})
    parser.expect_word("}")
    return Compound("group", [body])


@_compound("if")
def _if(parser: _Parser) -> Compound:
    bodies = [parser.script({"then"})]
    parser.expect_word("then")
    while True:
        bodies.append(parser.script({"elif", "else", "fi"}))
        literal = parser.peek_word_literal()
        parser.expect_word(literal if literal in ("elif", "else", "fi") else "fi")
        if literal == "fi":
            return Compound("if", bodies)
        if literal == "elif":
            bodies.append(parser.script({"then"}))
            parser.expect_word("then")


def _loop(kind: str):
    def parse_loop(parser: _Parser) -> Compound:
        condition = parser.script({"do"})
        parser.expect_word("do")
        body = parser.script({"done"})
        parser.expect_word("done")
        return Compound(kind, [condition, body])
    return parse_loop


_COMPOUNDS["while"] = _loop("while")
_COMPOUNDS["until"] = _loop("until")


@_compound("for")
def _for(parser: _Parser) -> Compound:
    parser.skip_blanks()
    if parser.peek(2) == "((":
        parser.pos += 1
        head = parser.arith_command()
        words = head.words
        name = None
    else:
        name = parser.word().raw
        parser.skip_blanks()
        words = []
        if parser.peek_word_literal() == "in":
            parser.pos += 2
            while True:
                parser.skip_blanks()
                if parser.operator() == ";" or parser.peek() in ("\n", "") or parser.peek_word_literal() == "do":
                    break
                words.append(parser.word())
        else:
            words = None  # for NAME; iterates over "$@"
    if parser.operator() == ";":
        parser.take(";")
    parser.expect_word("do")
    body = parser.script({"done"})
    parser.expect_word("done")
    return Compound("for", [body], words=words or [], loop_name=name if words is not None else None)


_COMPOUNDS["select"] = _for


@_compound("case")
def _case(parser: _Parser) -> Compound:
    parser.skip_blanks()
    subject = parser.word()
    parser.expect_word("in")
    bodies, words = [], [subject]
    while True:
        parser.skip_newlines()
        parser.skip_blanks()
        if parser.peek_word_literal() == "esac":
            parser.pos += 4
            return Compound("case", bodies, words=words)
        if parser.operator() == "(":
            parser.take("(")
        while True:
            parser.skip_blanks()
            words.append(parser.word())
            parser.skip_blanks()
            if parser.operator() == "|":
                parser.take("|")
                continue
            parser.expect(")")
            break
        bodies.append(parser.script({"esac"}))
        op = parser.operator()
        if op in (";;", ";&", ";;&"):
            parser.take(op)
        elif parser.peek_word_literal() != "esac":
            raise Unparsable(f"case without ;; or esac at {parser.pos}")


# --- helpers -------------------------------------------------------------------
def _matching(text: str, start: int, opening: str, closing: str) -> int | None:
    """Index of the ``closing`` that balances an ``opening`` just before ``start`` (quotes skipped)."""
    depth, index = 1, start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char in "'\"":
            end = text.find(char, index + 1)
            if end < 0:
                return None
            index = end + 1
            continue
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _dquoted_word(text: str, depth: int) -> Word:
    """Text read as if inside double quotes (a here-document body, arithmetic): its expansions."""
    parser = _Parser(text, depth + 1)
    parts = parser.dquoted(None)
    return Word(_merge(parts), text)


def _arith_word(raw: str, depth: int) -> Word:
    return _dquoted_word(raw, depth)


def _merge(parts: list) -> list:
    merged = []
    for part in parts:
        if merged and isinstance(part, Lit) and isinstance(merged[-1], Lit) and merged[-1].quoted == part.quoted:
            merged[-1] = Lit(merged[-1].text + part.text, part.quoted)
        else:
            merged.append(part)
    return merged


def walk_words(word: Word):
    """Every Sub inside a word, nested parameter arguments included (what runs when it expands)."""
    for part in word.parts:
        if isinstance(part, Sub):
            yield part
        elif isinstance(part, Param) and part.arg is not None:
            yield from walk_words(part.arg)
