# GENERATED from lib/omas/programs.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""What each program a command line runs does to files and services, for Thanatos' command reader.

A handler gets a ``Call`` (the program's name, its arguments as the shell
would pass them, the shell state, its standard input when known) and records
effects (``delete``, ``move``, ``write``, ``backup``, ``read``, ``stop``,
...) on ``call.found``, or a doubt when it cannot tell. It returns what the
program prints when that is known (``echo``, ``printf``, ``base64 -d``...),
so ``echo cm0gLXJmIC5yb28= | base64 -d | sh`` is read as ``rm -rf .roo``.

Programs that run other commands or code (wrappers, shells, interpreters)
and the shell's own builtins are in ``lib/omas/command_runners.py``. A
program that is listed in neither is not understood, which makes the command
high risk: listing a program is a claim about everything it can do.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from dataclasses import dataclass

from .command_model import DEVICES, Found, Scope, Value

def registry(table: dict):
    """A decorator that files a handler in ``table`` under each name it is given."""
    def program(*names: str):
        def register(handler):
            for name in names:
                table[name] = handler
            return handler
        return register
    return program


PROGRAMS: dict = {}
program = registry(PROGRAMS)


@dataclass
class Call:
    name: str
    args: list  # list[Value], the program's name excluded
    scope: Scope
    stdin: str | None  # the text it reads from standard input, None when unknown
    reader: object  # the reader: run_argv(argv, scope, stdin), read_text(text, scope, stdin, label)
    found: Found

    def doubt(self, reason: str) -> None:
        self.found.doubt(reason)

    def effect(self, kind: str, value: Value) -> None:
        """Record ``kind`` on the path ``value``, followed from where ``cd`` left the shell."""
        if not value.known and kind != "read":
            self.doubt(f"{self.name}: the {kind} target {value.text!r} is computed when it runs")
        if self.scope.cwd is None and kind != "read" and not _rooted(value.text):
            self.doubt(f"{self.name}: {kind} {value.text!r} in a folder that is computed when it runs")
        self.found.add(kind, self.scope.path(value.text))
        if value.windows:
            self.found.add(kind, self.scope.path(value.windows))

    def effects(self, kind: str, values) -> None:
        for value in values:
            self.effect(kind, value)

    def run(self, argv: list, stdin: str | None = None) -> str | None:
        return self.reader.run_argv(argv, self.scope, stdin)

    def shell(self, text: str, label: str, stdin: str | None = None, positional: list | None = None):
        scope = self.scope.child()
        if positional is not None:
            set_positional(scope, positional)
        return self.reader.read_text(text, scope, stdin, label)

    def opaque(self, what: str, handed: list, is_file: bool = True) -> None:
        """A program whose code is not read here: a run of ``what`` (a file, or a tool's name), given ``handed``."""
        where = self.scope.path(what) if is_file else what
        if what in STDIN_FILES:
            self.doubt(f"{self.name} runs code from its input ({what})")
        if is_file and self.found.wrote(where):
            self.doubt(f"{self.name} runs {what!r}, which the command itself writes first")
        if any(not value.known for value in handed):
            self.doubt(f"{self.name} {what}: is handed values computed when it runs")
        handed_paths = tuple(self.scope.path(p) for v in handed for p in _path_like(v.text))
        self.found.add("run", where, handed_paths)


#: file names that are a program's standard input
STDIN_FILES = {"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0", "-"}


def _keeps(destination) -> bool:
    """A copy or archive that is kept: not thrown away (``/dev/null``) or streamed out (``-``)."""
    return isinstance(destination, Value) and destination.text.strip().lower() not in DEVICES | {"-"}


def _rooted(text: str) -> bool:
    return bool(re.match(r"^(/|~|[A-Za-z]:|\\)", text))


def _path_like(text: str) -> list[str]:
    """An operand and the paths inside it (``--out=.roo``, ``.roo:/data``), as handed to a program."""
    pieces = [text] + [p for p in re.split(r"[=:,]", text) if p and p != text]
    return [p for p in pieces if p and not p.startswith("-")]


def set_positional(scope: Scope, values: list) -> None:
    """``$0``, ``$1``... ``$#`` as a shell sets them for a script or ``sh -c``."""
    for key in [k for k in scope.env if k.isdigit() and k != "0"] + ["@", "*", "#"]:
        scope.env.pop(key, None)
    for index, value in enumerate(values):
        scope.env[str(index)] = value.text if value.known else None
    scope.env["#"] = str(max(len(values) - 1, 0))


def split_args(args: list, takes_value: set = frozenset()):
    """(operands, options): ``options`` maps ``-x``/``--long`` to its Value, or True for a flag."""
    operands, options, index, ended = [], {}, 0, False
    while index < len(args):
        arg = args[index]
        if ended or not arg.option:
            operands.append(arg)
            index += 1
            continue
        text = arg.text
        if text == "--":
            ended = True
        elif text.startswith("--"):
            name, equals, value = text.partition("=")
            if equals:
                options[name] = Value(value)
            elif name in takes_value and index + 1 < len(args):
                index += 1
                options[name] = args[index]
            else:
                options[name] = True
        else:
            for position in range(1, len(text)):
                flag = "-" + text[position]
                if flag in takes_value:
                    rest = text[position + 1:]
                    if rest:
                        options[flag] = Value(rest)
                    elif index + 1 < len(args):
                        index += 1
                        options[flag] = args[index]
                    break
                options[flag] = True
        index += 1
    return operands, options


# --- what only prints or reads ---------------------------------------------------
_QUIET = ("true", "false", ":", "pwd", "date", "whoami", "id", "uname", "hostname", "sleep", "printenv", "which",
          "whereis", "type", "wait", "jobs", "exit", "return", "shopt", "umask", "ulimit", "help",
          "history", "clear", "tput", "nproc", "free", "uptime", "ps", "df", "locale", "arch", "getconf", "seq",
          "expr", "tty", "logger", "cal", "mktemp", "test", "[", "basename", "dirname", "write-host",
          "lscpu", "nvidia-smi", "users", "groups", "last", "w", "who")


@program(*_QUIET)
def _quiet(call: Call) -> str | None:
    if call.name == "basename" and call.args and call.args[0].known:
        return posixpath.basename(call.args[0].text.rstrip("/")) + "\n"
    if call.name == "dirname" and call.args and call.args[0].known:
        return posixpath.dirname(call.args[0].text.rstrip("/")) + "\n"
    return None


_READERS = ("cat", "ls", "dir", "vdir", "head", "tail", "less", "more", "wc", "stat", "file", "tree", "diff",
            "cmp", "md5sum", "sha1sum", "sha256sum", "sha512sum", "b2sum", "readlink", "realpath", "nl", "od",
            "hexdump", "strings", "column", "fold", "fmt", "paste", "join", "comm", "tac", "du", "lsattr",
            "getfacl", "get-content", "iconv", "cut", "tr", "jq", "xmllint", "locate", "rev", "pydoc",
            "python-config", "yamllint", "shellcheck")


@program(*_READERS)
def _reader(call: Call) -> str | None:
    takes = {"-n", "-c", "-f", "-d", "-s", "-L", "-I", "-P", "-e", "-t", "-w"} if call.name in (
        "head", "tail", "cut", "tree", "column", "od", "nl", "fold") else set()
    operands, _ = split_args(call.args, takes)
    if call.name == "tr":
        operands = []  # its operands are character sets; it reads only its input
    elif call.name == "jq":
        operands = operands[1:]  # the filter, then files
    call.effects("read", operands)
    if call.name == "cat" and not operands:
        return call.stdin
    if call.name == "rev" and not operands and call.stdin is not None:
        return "\n".join(line[::-1] for line in call.stdin.split("\n"))
    return None


@program("grep", "egrep", "fgrep", "rg", "ag", "zgrep", "select-string")
def _grep(call: Call) -> None:
    operands, options = split_args(call.args, {"-e", "-f", "-m", "-A", "-B", "-C", "--include", "--exclude",
                                               "-g", "--glob", "-t", "--type"})
    call.effects("read", operands if ("-e" in options or "-f" in options) else operands[1:])


@program("echo", "write-output")
def _echo(call: Call) -> str | None:
    args, newline, escapes = list(call.args), True, False
    while args and args[0].known and re.fullmatch(r"-[neE]+", args[0].text):
        newline = newline and "n" not in args[0].text
        escapes = "e" in args[0].text or escapes
        args.pop(0)
    if any(not a.known for a in args):
        return None
    text = " ".join(a.text for a in args)
    return (_escapes(text) if escapes else text) + ("\n" if newline else "")


@program("printf")
def _printf(call: Call) -> str | None:
    args = [a for a in call.args if a.text != "--"]
    if args and args[0].text == "-v" and len(args) > 2:
        call.scope.env[args[1].text] = None
        return None
    if not args or any(not a.known for a in args):
        return None
    form, values = args[0].text, [a.text for a in args[1:]]
    if re.search(r"%(?![sb%])", form):
        return None  # a numeric or padded format: not computed here
    pieces = iter(values)
    out = re.sub(r"%([sb%])", lambda m: "%" if m.group(1) == "%" else (
        _escapes(next(pieces, "")) if m.group(1) == "b" else next(pieces, "")), _escapes(form))
    return out


def _escapes(text: str) -> str:
    """The backslash escapes ``echo -e`` and ``printf`` understand."""
    def one(match):
        code = match.group(1)
        if code[0] == "x":
            return chr(int(code[1:], 16))
        if code[0] == "0" or code[0].isdigit():
            return chr(int(code, 8) & 0xFF)
        return {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "a": "\a", "b": "\b", "e": "\x1b", "f": "\f",
                "v": "\v"}.get(code, "\\" + code)
    return re.sub(r"\\(x[0-9A-Fa-f]{1,2}|0?[0-7]{1,3}|.)", one, text)


@program("base64")
def _base64(call: Call) -> str | None:
    operands, options = split_args(call.args, {"-w", "--wrap"})
    call.effects("read", operands)
    decoding = "-d" in options or "--decode" in options or "-D" in options
    if decoding and not operands and call.stdin is not None:
        try:
            return base64.b64decode(re.sub(r"\s", "", call.stdin) + "==", validate=False).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return None
    return None


@program("xxd")
def _xxd(call: Call) -> str | None:
    operands, options = split_args(call.args, {"-c", "-g", "-l", "-s"})
    if "-r" in options and len(operands) > 1:
        call.effect("write", operands[1])
    call.effects("read", operands[:1])
    if "-r" in options and "-p" in options and not operands and call.stdin is not None:
        try:
            return bytes.fromhex(re.sub(r"\s", "", call.stdin)).decode("utf-8", "replace")
        except ValueError:
            return None
    return None


@program("awk", "gawk", "mawk", "nawk")
def _awk(call: Call) -> None:
    operands, options = split_args(call.args, {"-F", "-v", "-f"})
    if "-f" in options:
        call.doubt(f"{call.name} runs the program file {options['-f'].text if options['-f'] is not True else ''}")
        program_text, files = "", operands
    else:
        program_text, files = (operands[0].text if operands else ""), operands[1:]
    if re.search(r"\bsystem\s*\(|\|\s*getline|\bprint[f]?\b[^;}]*[>|]", program_text):
        call.doubt(f"{call.name} program runs commands or writes files: {program_text[:60]}")
    call.effects("read", files)


@program("sort")
def _sort(call: Call) -> None:
    operands, options = split_args(call.args, {"-o", "--output", "-k", "-t", "-S", "-T"})
    output = options.get("-o", options.get("--output"))
    if isinstance(output, Value):
        call.effect("write", output)
    call.effects("read", operands)


@program("uniq")
def _uniq(call: Call) -> None:
    operands, _ = split_args(call.args, {"-f", "-s", "-w"})
    call.effects("read", operands[:1])
    call.effects("write", operands[1:2])


@program("yq")
def _yq(call: Call) -> None:
    operands, options = split_args(call.args)
    in_place = "-i" in options or "--inplace" in options or "--in-place" in options
    call.effects("write" if in_place else "read", operands[1:])


# --- files -----------------------------------------------------------------------
_WINDOWS_SWITCH = re.compile(r"^/[A-Za-z?][A-Za-z0-9:-]*$")


def _without_switches(args: list, windows: bool = True) -> list:
    """The arguments without ``/s``-style switches: only Windows programs have them (``/tmp`` is a path)."""
    return [a for a in args if not (windows and a.known and _WINDOWS_SWITCH.match(a.text))]


@program("rm", "rmdir", "unlink", "shred", "srm", "wipe", "trash", "trash-put", "gio-trash", "remove-item")
def _delete(call: Call) -> None:
    operands, _ = split_args(call.args, {"-n", "-s", "--iterations", "--size"})
    call.effects("delete", operands)


@program("del", "erase", "rd")
def _delete_windows(call: Call) -> None:
    call.effects("delete", [a for a in _without_switches(call.args) if not a.option])


@program("mv", "move", "rename-item")
def _move(call: Call) -> None:
    operands, options = split_args(_without_switches(call.args, call.name == "move"),
                                   {"-t", "--target-directory", "-S", "--suffix"})
    target = options.get("-t", options.get("--target-directory"))
    if isinstance(target, Value):
        call.effects("move", operands)
        call.effect("write", target)
        return
    call.effects("move", operands[:-1])
    call.effects("write", operands[-1:])


@program("rename", "prename", "perl-rename")
def _rename(call: Call) -> None:
    operands, _ = split_args(call.args)
    call.effects("move", operands[1:] if operands and not operands[0].text.startswith((".", "/")) else operands)


@program("cp", "copy", "copy-item", "scp", "install", "xcopy")
def _copy(call: Call) -> None:
    operands, options = split_args(_without_switches(call.args, call.name in ("copy", "xcopy")),
                                   {"-t", "--target-directory", "-m", "--mode", "-o", "-g", "-S", "--suffix"})
    target = options.get("-t", options.get("--target-directory"))
    sources, destinations = (operands, [target]) if isinstance(target, Value) else (operands[:-1], operands[-1:])
    if call.name == "install" and "-d" in options:
        sources, destinations = [], operands
    call.effects("backup" if destinations and _keeps(destinations[0]) else "read", sources)
    call.effects("write", destinations)


@program("rsync")
def _rsync(call: Call) -> None:
    operands, options = split_args(call.args, {"-e", "--rsh", "--exclude", "--include", "--filter", "-f",
                                               "--backup-dir", "--password-file", "--chmod", "-T", "--temp-dir"})
    for flag in ("-e", "--rsh"):
        if isinstance(options.get(flag), Value):
            call.shell(options[flag].text, f"rsync {flag}")  # the remote shell runs here, locally
    sources, destinations = operands[:-1], operands[-1:]
    call.effects("backup" if destinations and _keeps(destinations[0]) else "read", sources)
    call.effects("write", destinations)
    if any(name.startswith("--delete") or name in ("--del", "--remove-source-files") for name in options):
        call.effects("delete", destinations)
    if "--remove-source-files" in options:
        call.effects("delete", sources)


@program("robocopy")
def _robocopy(call: Call) -> None:
    operands = [a for a in call.args if not (a.known and a.text.startswith("/"))]
    switches = {a.text.lower() for a in call.args if a.known and a.text.startswith("/")}
    source, destination = operands[:1], operands[1:2]
    call.effects("backup", source)
    call.effects("write", destination)
    if switches & {"/mir", "/purge"}:
        call.effects("delete", destination)
    if switches & {"/mov", "/move"}:
        call.effects("delete", source)


@program("ln", "link", "mklink")
def _link(call: Call) -> None:
    operands, options = split_args(_without_switches(call.args, call.name == "mklink"),
                                   {"-t", "--target-directory", "-S", "--suffix"})
    target = options.get("-t", options.get("--target-directory"))
    if call.name == "mklink":  # mklink [/D] LINK TARGET
        links = [(operands[0], operands[1])] if len(operands) > 1 else []
        call.effects("write", operands[:1])
    elif isinstance(target, Value):
        links = [(Value(posixpath.join(target.text, posixpath.basename(o.text.rstrip("/")))), o) for o in operands]
        call.effect("write", target)
    elif len(operands) == 1:
        name = Value(posixpath.basename(operands[0].text.rstrip("/")) or ".", operands[0].known)
        links = [(name, operands[0])]
        call.effect("write", name)
    else:
        links = [(operands[-1], source) for source in operands[:-1]]
        call.effects("write", operands[-1:])
    for name, points_to in links:
        call.found.link(call.scope.path(name.text), points_to.text)


@program("dd")
def _dd(call: Call) -> None:
    for arg in call.args:
        key, equals, value = arg.text.partition("=")
        if equals and key == "of":
            call.effect("write", Value(value, arg.known))
        elif equals and key == "if":
            call.effect("read", Value(value, arg.known))


@program("truncate", "touch", "mkdir", "md", "mkfifo", "mknod", "tee", "sponge", "set-content", "add-content",
         "out-file", "new-item", "clear-content", "fallocate")
def _write(call: Call) -> str | None:
    operands, _ = split_args(call.args, {"-s", "--size", "-r", "--reference", "-m", "--mode", "-d", "--date",
                                          "-t", "-l", "--length", "-o", "--offset"})
    if call.name in ("mknod",):
        operands = operands[:1]
    call.effects("write", operands)
    return call.stdin if call.name == "tee" else None


@program("chmod", "chown", "chgrp", "chattr", "setfacl", "icacls", "attrib", "takeown", "cacls", "chcon")
def _permissions(call: Call) -> None:
    takes = {"-m", "-M", "-x", "-X"} if call.name == "setfacl" else {"--reference"}
    # `chmod -x file`: a mode that looks like an option
    args = [Value("=" + a.text, a.known) if call.name == "chmod" and a.known and re.fullmatch(r"-[rwxXst]+", a.text)
            else a for a in call.args]
    operands, options = split_args(args, takes)
    if call.name in ("icacls", "cacls", "takeown", "attrib"):
        targets = [a for a in _without_switches(call.args) if not re.match(r"^[+-][A-Za-z]$", a.text)]
        call.effects("write", targets[:1] if call.name != "attrib" else targets)
        return
    has_mode = not (options.get("--reference") or call.name == "setfacl")
    call.effects("write", operands[1:] if has_mode else operands)


@program("sed", "gsed")
def _sed(call: Call) -> None:
    operands, options = split_args(call.args, {"-e", "--expression", "-f", "--file", "-l", "--line-length"})
    in_place = any(name.startswith("-i") or name.startswith("--in-place") for name in options) or any(
        a.known and a.text.startswith("-i") for a in call.args)
    script = options.get("-e", options.get("--expression"))
    files = operands if script or "-f" in options else operands[1:]
    script_text = script.text if isinstance(script, Value) else (operands[0].text if operands else "")
    if re.search(r"(^|[;}{\n/])\s*[0-9,$]*\s*([wWe])(\s|$|;)", script_text):
        call.doubt(f"sed script writes files or runs commands: {script_text[:60]}")
    call.effects("write" if in_place else "read", files)


@program("patch")
def _patch(call: Call) -> None:
    call.doubt("patch writes the files its input names")


@program("find")
def _find(call: Call) -> None:
    args = list(call.args)
    starts = []
    while args and not (args[0].known and (args[0].text.startswith("-") or args[0].text in ("(", "!", "\\("))):
        starts.append(args.pop(0))
    starts = starts or [Value(".")]
    index = 0
    while index < len(args):
        text = args[index].text
        if text == "-delete":
            call.effects("delete", starts)
        elif text in ("-exec", "-execdir", "-ok", "-okdir"):
            end = next((i for i in range(index + 1, len(args)) if args[i].text in (";", "+", "\\;")), len(args))
            inner = args[index + 1:end]
            for start in starts:
                call.run([Value(a.text.replace("{}", start.text), a.known and start.known) for a in inner])
            index = end
        elif text in ("-fprint", "-fprint0", "-fprintf", "-fls") and index + 1 < len(args):
            call.effect("write", args[index + 1])
            index += 1
        index += 1
    call.effects("read", starts)


# --- archives --------------------------------------------------------------------
#: tar options whose value is a command tar runs (checkpoint-action only as exec=...)
_TAR_RUNS = ("-I", "--use-compress-program", "--to-command", "-F", "--info-script", "--new-volume-script",
             "--rsh-command", "--checkpoint-action")


@program("tar", "bsdtar", "gtar")
def _tar(call: Call) -> None:
    args = list(call.args)
    if args and args[0].known and not args[0].text.startswith("-") and re.fullmatch(r"[A-Za-z]+", args[0].text):
        args[0] = Value("-" + args[0].text)  # `tar czf` is `tar -czf`
    operands, options = split_args(args, {"-f", "--file", "-C", "--directory", "-T", "--files-from", "-X",
                                          "--exclude-from", "--exclude", "-b", "-H", "--format", "--transform",
                                          "--owner", "--group", *_TAR_RUNS})
    for flag in _TAR_RUNS:
        value = options.get(flag)
        if isinstance(value, Value) and (flag != "--checkpoint-action" or value.text.startswith("exec=")):
            call.shell(value.text.removeprefix("exec="), f"tar {flag}")
    archive = options.get("-f", options.get("--file"))
    folder = options.get("-C", options.get("--directory"))
    if "-c" in options or "--create" in options or "-r" in options or "-u" in options or "--append" in options:
        sources = [Value(posixpath.join(folder.text, s.text), s.known and folder.known) if isinstance(
            folder, Value) and not _rooted(s.text) else s for s in operands]
        call.effects("backup" if _keeps(archive) else "read", sources)  # `-f -` streams it out
        if isinstance(archive, Value):
            call.effect("write", archive)
        if "--remove-files" in options:
            call.effects("delete", sources)
    elif "-x" in options or "--extract" in options or "--get" in options:
        call.effect("write", folder if isinstance(folder, Value) else Value("."))
    elif "-t" in options or "--list" in options:
        if isinstance(archive, Value):
            call.effect("read", archive)
    else:
        call.doubt("tar: no -c, -x or -t: what it does is not clear")


@program("unzip", "unrar", "7z", "7za", "7zr", "expand-archive")
def _unzip(call: Call) -> None:
    operands, options = split_args(call.args, {"-d", "-x", "-P", "-destinationpath"})
    if call.name == "unzip" and ("-l" in options or "-t" in options or "-v" in options):
        return
    if call.name.startswith("7z"):
        command = operands[0].text if operands else ""
        target = next((Value(name[2:]) for name in options if name.startswith("-o") and len(name) > 2), None)
        if command in ("x", "e"):
            call.effect("write", target or Value("."))
        elif command in ("a", "u"):
            call.effects("backup" if operands[1:2] and _keeps(operands[1]) else "read", operands[2:])
            call.effects("write", operands[1:2])
        elif command == "d":
            call.effects("write", operands[1:2])
        return
    destination = options.get("-d", options.get("-destinationpath"))
    call.effect("write", destination if isinstance(destination, Value) else (
        operands[1] if call.name == "expand-archive" and len(operands) > 1 else Value(".")))


@program("zip", "compress-archive")
def _zip(call: Call) -> None:
    operands, options = split_args(call.args, {"-x", "-i", "-P", "-b", "-n", "-t", "-tt", "-destinationpath",
                                               "-path"})
    archive, sources = operands[:1], operands[1:]
    if call.name == "compress-archive":
        archive, sources = operands[-1:], operands[:-1]
    call.effects("backup" if archive and _keeps(archive[0]) else "read", sources)
    call.effects("write", archive)
    if "-m" in options or "-d" in options:
        call.effects("delete", sources)


@program("gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz", "zstd", "unzstd", "lzma", "pigz")
def _compress(call: Call) -> None:
    operands, options = split_args(call.args, {"-S", "--suffix", "-o"})
    if "-c" in options or "--stdout" in options or "-l" in options or "--list" in options:
        call.effects("read", operands)
    elif "-k" in options or "--keep" in options:
        call.effects("backup", operands)
    else:
        call.effects("write", operands)  # replaced by the (de)compressed file


# --- git -------------------------------------------------------------------------
_GIT_READS = {"status", "log", "diff", "show", "blame", "rev-parse", "ls-files", "ls-tree", "describe", "fetch",
              "grep", "shortlog", "help", "version", "reflog", "cat-file", "rev-list", "whatchanged", "count-objects",
              "fsck", "check-ignore", "name-rev", "show-ref", "ls-remote", "bisect", "range-diff", "format-patch"}
_GIT_TREE_CHANGERS = {"pull", "merge", "rebase", "cherry-pick", "revert", "am", "apply", "switch", "worktree",
                      "submodule", "sparse-checkout", "filter-branch", "filter-repo", "read-tree", "checkout-index",
                      "update-index"}


@program("git")
def _git(call: Call) -> None:
    args, folder = list(call.args), None
    while args and args[0].option:
        flag = args.pop(0).text
        if flag == "-C" and args:
            folder = args.pop(0)
        elif flag == "-c" and args:
            setting = args.pop(0).text
            if "!" in setting or setting.lower().startswith(("alias.", "core.", "include")):
                call.doubt(f"git -c {setting}: a setting that can run commands")
        elif flag.startswith(("--git-dir", "--work-tree", "--exec-path", "--namespace")):
            if "=" not in flag and args:
                args.pop(0)
            call.doubt(f"git {flag}: works on another repository or tree")
    if folder is not None:
        call = Call(call.name, call.args, call.scope.child(), call.stdin, call.reader, call.found)
        call.scope.change_directory(folder)
    sub, rest = (args[0].text if args else ""), args[1:]
    operands, options = split_args(rest, {"-m", "-b", "-B", "-e", "--exclude", "-C", "-c", "--message", "-F"})
    _GIT_SUBCOMMANDS.get(sub, _git_other)(call, sub, operands, options)


def _git_other(call: Call, sub: str, operands: list, options: dict) -> None:
    if sub in _GIT_READS:
        return
    if sub in _GIT_TREE_CHANGERS:
        call.doubt(f"git {sub} changes files that cannot be listed in advance")
    elif sub == "clone":
        folder = operands[1] if len(operands) > 1 else Value(
            posixpath.basename((operands[0].text if operands else "").rstrip("/")).removesuffix(".git") or ".")
        call.effect("write", folder)
    elif sub == "init" and operands:
        call.effects("write", operands)
    elif sub in ("add", "commit", "tag", "branch", "remote", "push", "init", "notes", "gc", "prune"):
        call.effect("write", Value(".git"))
    else:
        call.doubt(f"git {sub or '(nothing)'}: an unknown subcommand (or an alias)")


def _git_clean(call: Call, sub, operands, options) -> None:
    if "-n" in options or "--dry-run" in options:
        return
    call.effects("delete", operands or [Value(".")])


def _git_checkout(call: Call, sub, operands, options) -> None:
    paths = operands
    if sub == "checkout" and "--" not in [a.text for a in call.args]:
        if ("-b" in options or "-B" in options) and not operands:
            return call.effect("write", Value(".git"))
        call.doubt("git checkout without --: may switch the whole working tree")
    elif sub == "checkout" and operands:
        texts = [a.text for a in call.args]
        after = len(call.args) - texts.index("--") - 1
        paths = operands[-after:] if after else []
    call.effects("write", paths or [Value(".")])


def _git_reset(call: Call, sub, operands, options) -> None:
    if any(name in options for name in ("--hard", "--keep", "--merge")):
        call.effect("write", Value("."))
    else:
        call.effect("write", Value(".git"))


def _git_stash(call: Call, sub, operands, options) -> None:
    action = operands[0].text if operands else "push"
    if action in ("list", "show"):
        return
    if "-u" in options or "--include-untracked" in options or "-a" in options or "--all" in options:
        call.effect("delete", Value("."))
    call.effect("write", Value("."))


def _git_rm(call: Call, sub, operands, options) -> None:
    call.effects("write" if "--cached" in options else "delete", operands)


def _git_mv(call: Call, sub, operands, options) -> None:
    call.effects("move", operands[:-1])
    call.effects("write", operands[-1:])


def _git_config(call: Call, sub, operands, options) -> None:
    if operands and re.search(r"(alias|hook|fsmonitor|sshcommand|editor|pager|filter|askpass)", operands[0].text,
                              re.I):
        call.doubt(f"git config {operands[0].text}: a setting that runs commands")
    if len(operands) > 1 or "--unset" in options:
        call.effect("config", Value(".git/config"))


_GIT_SUBCOMMANDS = {"clean": _git_clean, "checkout": _git_checkout, "restore": _git_checkout,
                    "reset": _git_reset, "stash": _git_stash, "rm": _git_rm, "mv": _git_mv,
                    "config": _git_config}


# --- services --------------------------------------------------------------------
_SERVICE_KINDS = {"stop": "stop", "kill": "stop", "rm": "stop", "pause": "stop", "down": "stop", "delete": "stop",
                  "disable": "disable", "mask": "disable", "restart": "restart", "reload": "restart",
                  "install": "install", "start": "restart", "up": "restart", "enable": "restart",
                  "unpause": "restart", "rmi": "stop", "prune": "stop"}
_SERVICE_READS = {"ps", "status", "logs", "inspect", "images", "ls", "list", "list-units", "get", "describe",
                  "version", "info", "top", "stats", "is-active", "is-enabled", "show", "cat", "port", "events",
                  "config", "help", "--version", "search", "pull", "build", "daemon-reload"}


@program("podman", "docker", "podman-compose", "docker-compose", "systemctl", "service", "kubectl", "nerdctl")
def _service(call: Call) -> None:
    operands, _ = split_args(call.args, {"-f", "--file", "-p", "--project-name", "-n", "--namespace", "-c",
                                         "--context", "--env-file", "-H", "--host"})
    words = [v.text for v in operands]
    if call.name in ("podman", "docker", "nerdctl") and words[:1] == ["compose"]:
        words = words[1:]
        compose = True
    else:
        compose = call.name in ("podman-compose", "docker-compose")
    if call.name in ("docker", "podman", "nerdctl") and words[:1] in (["container"], ["image"], ["volume"]):
        words = words[1:]
    if call.name == "service" and len(words) >= 2:
        words = [words[1], words[0]] + words[2:]
    if not words:
        return
    sub, names = words[0], words[1:]
    if compose and sub in ("down", "stop", "rm", "kill"):
        call.found.add("stop", "compose")
        return
    if sub in ("run", "exec", "cp", "create", "compose", "apply", "debug", "attach"):
        call.doubt(f"{call.name} {sub}: runs or changes something inside a container")
        return
    kind = _SERVICE_KINDS.get(sub)
    if kind:
        for name in names or (["compose"] if compose else []):
            call.found.add(kind, name)
    elif sub not in _SERVICE_READS:
        call.doubt(f"{call.name} {sub}: an unknown subcommand")


@program("kill", "pkill", "killall", "taskkill", "stop-service", "stop-process", "spsv", "spps")
def _kill(call: Call) -> None:
    operands, _ = split_args(call.args, {"-s", "-n", "-u", "-signal", "-name", "-id", "-f"})
    names = [a for a in _without_switches(operands) if not re.fullmatch(r"-?\d+|-[A-Z]+", a.text)]
    for name in names or [Value("a process")]:
        call.found.add("stop", name.text)


@program("restart-service", "start-service")
def _restart_service(call: Call) -> None:
    operands, _ = split_args(call.args, {"-name"})
    for name in operands:
        call.found.add("restart", name.text)


@program("n8n")
def _n8n(call: Call) -> None:
    texts = [a.text for a in call.args]
    if any("workflow" in t for t in texts) and any(t.startswith("delete") or "active=false" in t for t in texts):
        call.found.add("disable", "n8n/workflows")
    elif any(t.startswith(("import", "update")) for t in texts):
        call.found.add("write", "n8n/workflows")


# --- packages and project tools ------------------------------------------------------
@program("pip", "pip3", "pipx", "uv", "npm", "pnpm", "yarn", "apt", "apt-get", "dnf", "yum", "brew", "choco",
         "winget", "conda", "mamba", "gem", "ollama", "cargo", "go", "composer", "poetry", "scoop")
def _packages(call: Call) -> None:
    operands, options = split_args(call.args, {"-t", "--target", "--prefix", "--root", "-r", "--requirement",
                                               "-e", "--editable", "-C", "--cwd", "--dir", "-p", "--python",
                                               "-i", "--index-url", "--cache-dir", "-w", "--workspace"})
    words = [v.text for v in operands]
    if words[:1] == ["pip"] and call.name == "uv":
        words, operands = words[1:], operands[1:]
    sub, names = (words[0] if words else ""), operands[1:]
    for flag in ("-t", "--target", "--prefix", "--root", "-e", "--editable"):
        if isinstance(options.get(flag), Value):
            call.effect("write", options[flag])  # an editable install builds inside its folder
    if sub in ("install", "add", "i", "pull", "sync", "upgrade", "update", "ci", "get", "create"):
        for name in names or [Value(call.name)]:
            call.found.add("install", name.text)
    elif sub in ("uninstall", "remove", "rm", "purge", "autoremove", "un", "erase"):
        for name in names:
            call.found.add("delete", name.text)
    elif sub in ("run", "test", "exec", "x", "start", "build", "dlx", "serve", "dev") or call.name in ("go",):
        call.opaque(f"{call.name} {sub}".strip(), operands[1:], is_file=False)
    elif sub in ("list", "show", "freeze", "search", "info", "view", "ls", "outdated", "check", "help",
                 "--version", "version", "audit", "doctor", "env", "config", "which", "tree", "ps"):
        return
    else:
        call.doubt(f"{call.name} {sub or '(nothing)'}: an unknown subcommand")


_TOOLS = ("npx", "pnpx", "bunx", "make", "gmake", "cmake", "ninja", "pytest", "tox", "nox", "mvn", "gradle", "dotnet", "wmill", "pipenv",
          "ruff", "black", "mypy", "flake8", "pylint", "isort", "eslint", "prettier", "tsc", "jest", "vitest",
          "code", "gh", "java", "javac", "gcc", "cc", "clang", "g++", "rustc", "pre-commit", "alembic",
          "uvicorn", "gunicorn", "flask", "django-admin", "hugo", "mkdocs", "sphinx-build", "duplicates")


@program(*_TOOLS)
def _tool(call: Call) -> None:
    operands, options = split_args(call.args, {"-C", "--directory", "-f", "--file", "-o", "--output"})
    for flag in ("-C", "--directory"):
        if isinstance(options.get(flag), Value):
            operands.append(options[flag])
    call.opaque(call.name, operands + [v for v in options.values() if isinstance(v, Value)], is_file=False)


@program("curl")
def _curl(call: Call) -> None:
    operands, options = split_args(call.args, {
        "-o", "--output", "--output-dir", "-d", "--data", "--data-binary", "--data-raw", "-H", "--header", "-X",
        "--request", "-u", "--user", "-T", "--upload-file", "-K", "--config", "-A", "--user-agent", "-e",
        "--referer", "-b", "--cookie", "-c", "--cookie-jar", "-w", "--write-out", "-F", "--form", "-m",
        "--max-time", "--retry", "--connect-timeout", "-D", "--dump-header", "--trace", "--trace-ascii",
        "--stderr", "-x", "--proxy", "-r", "--range", "-E", "--cert", "--cacert", "--key"})
    for flag in ("-o", "--output", "-c", "--cookie-jar", "-D", "--dump-header", "--trace", "--trace-ascii",
                 "--stderr"):
        if isinstance(options.get(flag), Value) and options[flag].text != "-":
            call.effect("write", options[flag])
    if any(flag in options for flag in ("-O", "--remote-name", "--remote-name-all")):
        _downloads(call, operands, options.get("--output-dir"))
    if isinstance(options.get("-K", options.get("--config")), Value):
        call.doubt("curl reads its options from a file")


@program("wget")
def _wget(call: Call) -> None:
    operands, options = split_args(call.args, {
        "-O", "--output-document", "-P", "--directory-prefix", "-o", "--output-file", "-a", "--append-output",
        "-e", "--execute", "-i", "--input-file", "-U", "--user-agent", "-t", "--tries", "-T", "--timeout",
        "--header", "--user", "--password", "-l", "--level"})
    for flag in ("-o", "--output-file", "-a", "--append-output"):
        if isinstance(options.get(flag), Value):
            call.effect("write", options[flag])
    document = options.get("-O", options.get("--output-document"))
    if isinstance(document, Value):
        if document.text != "-":
            call.effect("write", document)
    else:
        _downloads(call, operands, options.get("-P", options.get("--directory-prefix")))
    if isinstance(options.get("-i", options.get("--input-file")), Value):
        call.doubt("wget downloads files named in a list it reads")


def _downloads(call: Call, urls: list, folder) -> None:
    """Each URL saved under its own name, in ``folder`` or where the command is."""
    for url in urls:
        name = posixpath.basename(url.text.split("?")[0].rstrip("/")) or "index.html"
        call.effect("write", Value(posixpath.join(folder.text, name) if isinstance(folder, Value) else name,
                                   url.known))


@program("invoke-webrequest", "invoke-restmethod")
def _web_request(call: Call) -> None:
    operands, options = split_args(call.args, {"-outfile", "-uri", "-method", "-body", "-headers"})
    call.effects("write", operands[1:])  # from PowerShell: the URI, then -OutFile
    if isinstance(options.get("-outfile"), Value):
        call.effect("write", options["-outfile"])
