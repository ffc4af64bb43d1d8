"""What each program a command line runs does to files and services, for Thanatos' command reader.

A handler gets a ``Call`` (the program's name, its arguments as the shell
would pass them, the shell state, its standard input when known) and records
effects (``delete``, ``move``, ``write``, ``backup``, ``read``, ``stop``,
...) on ``call.found``, or a doubt when it cannot tell. It returns what the
program prints when that is known (``echo``, ``printf``, ``base64 -d``...),
so ``echo cm0gLXJmIC5yb28= | base64 -d | sh`` is read as ``rm -rf .roo``.

Wrappers (``sudo``, ``env``, ``timeout``, ``xargs``...) hand the command they
wrap back to the reader; shells and interpreters hand it their code
(``sh -c``, ``python -c``, ``node -e``...). A program that is not listed here
is not understood, which makes the command high risk: listing a program is a
claim about everything it can do.
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from dataclasses import dataclass

from .inline_code import language_of, read_cmd, read_other, read_powershell, read_python
from .command_model import Found, Scope, Value

PROGRAMS: dict = {}


def program(*names: str):
    def register(handler):
        for name in names:
            PROGRAMS[name] = handler
        return handler
    return register


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
            _set_positional(scope, positional)
        return self.reader.read_text(text, scope, stdin, label)

    def opaque(self, what: str, handed: list, is_file: bool = True) -> None:
        """A program whose code is not read here: a run of ``what`` (a file, or a tool's name), given ``handed``."""
        where = self.scope.path(what) if is_file else what
        if is_file and self.found.wrote(where):
            self.doubt(f"{self.name} runs {what!r}, which the command itself writes first")
        if any(not value.known for value in handed):
            self.doubt(f"{self.name} {what}: is handed values computed when it runs")
        handed_paths = tuple(self.scope.path(p) for v in handed for p in _path_like(v.text))
        self.found.add("run", where, handed_paths)


def _rooted(text: str) -> bool:
    return bool(re.match(r"^(/|~|[A-Za-z]:|\\)", text))


def _path_like(text: str) -> list[str]:
    """An operand and the paths inside it (``--out=.roo``, ``.roo:/data``), as handed to a program."""
    pieces = [text] + [p for p in re.split(r"[=:,]", text) if p and p != text]
    return [p for p in pieces if p and not p.startswith("-")]


def _set_positional(scope: Scope, values: list) -> None:
    for key in [k for k in scope.env if k.isdigit() and k != "0"] + ["@", "*", "#"]:
        scope.env.pop(key, None)
    for index, value in enumerate(values):
        scope.env[str(index)] = value.text if value.known else None
    scope.env["#"] = str(max(len(values) - 1, 0))


def split_args(args: list, takes_value: set = frozenset(), stop_at_operand: bool = False):
    """(operands, options): ``options`` maps ``-x``/``--long`` to its Value, or True for a flag."""
    operands, options, index, ended = [], {}, 0, False
    while index < len(args):
        arg = args[index]
        if ended or not arg.option:
            operands.append(arg)
            index += 1
            if stop_at_operand:
                return operands + list(args[index:]), options
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


def _spelled(values: list) -> str:
    """Arguments joined back into the text a Windows shell gets (backslashes as written)."""
    return " ".join(v.windows or v.text for v in values)


# --- what only prints or reads ---------------------------------------------------
_QUIET = ("true", "false", ":", "pwd", "date", "whoami", "id", "uname", "hostname", "sleep", "printenv", "which",
          "whereis", "type", "hash", "wait", "jobs", "exit", "return", "shopt", "umask", "ulimit", "help",
          "history", "clear", "tput", "nproc", "free", "uptime", "ps", "df", "locale", "arch", "getconf", "seq",
          "expr", "tty", "logger", "cal", "mktemp", "test", "[", "basename", "dirname", "write-host", "exit",
          "lscpu", "nvidia-smi", "env-check", "users", "groups", "last", "w", "who")


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
            "python-config", "yamllint", "shellcheck", "column")


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
    call.effects("backup", sources)
    call.effects("write", destinations)


@program("rsync")
def _rsync(call: Call) -> None:
    operands, options = split_args(call.args, {"-e", "--rsh", "--exclude", "--include", "--filter", "-f",
                                               "--backup-dir", "--password-file", "--chmod", "-T", "--temp-dir"})
    sources, destinations = operands[:-1], operands[-1:]
    call.effects("backup", sources)
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
    if call.name == "mklink":
        call.effects("write", operands[:1])
    elif isinstance(target, Value):
        call.effect("write", target)
    elif len(operands) == 1:
        call.effect("write", Value(posixpath.basename(operands[0].text.rstrip("/")) or ".", operands[0].known))
    else:
        call.effects("write", operands[-1:])


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
@program("tar", "bsdtar", "gtar")
def _tar(call: Call) -> None:
    args = list(call.args)
    if args and args[0].known and not args[0].text.startswith("-") and re.fullmatch(r"[A-Za-z]+", args[0].text):
        args[0] = Value("-" + args[0].text)  # `tar czf` is `tar -czf`
    operands, options = split_args(args, {"-f", "--file", "-C", "--directory", "-T", "--files-from", "-X",
                                          "--exclude-from", "--exclude", "-b", "-H", "--format", "-I",
                                          "--use-compress-program", "--transform", "--owner", "--group"})
    archive = options.get("-f", options.get("--file"))
    folder = options.get("-C", options.get("--directory"))
    if "-c" in options or "--create" in options or "-r" in options or "-u" in options or "--append" in options:
        sources = [Value(posixpath.join(folder.text, s.text), s.known and folder.known) if isinstance(
            folder, Value) and not _rooted(s.text) else s for s in operands]
        call.effects("backup", sources)
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
            call.effects("backup", operands[2:])
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
    call.effects("backup", sources)
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
    for flag in ("-t", "--target", "--prefix", "--root"):
        if isinstance(options.get(flag), Value):
            call.effect("write", options[flag])
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


@program("curl", "wget", "invoke-webrequest", "iwr", "invoke-restmethod", "irm")
def _download(call: Call) -> str | None:
    operands, options = split_args(call.args, {"-o", "--output", "-O", "--output-document", "-P",
                                               "--directory-prefix", "-d", "--data", "-H", "--header", "-X",
                                               "-u", "--user", "-T", "--upload-file", "-K", "--config", "-A",
                                               "-e", "-b", "-c", "--cookie-jar", "-w", "-F", "--form",
                                               "-outfile", "--data-binary", "-m", "--max-time", "--retry"})
    for flag in ("-o", "--output", "--output-document", "-outfile", "-c", "--cookie-jar"):
        if isinstance(options.get(flag), Value):
            call.effect("write", options[flag])
    if call.name == "wget" and isinstance(options.get("-O"), Value):
        call.effect("write", options["-O"])
    elif call.name == "wget" or options.get("-O") is True or "--remote-name" in options:
        folder = options.get("-P", options.get("--directory-prefix"))
        for url in operands:
            name = posixpath.basename(url.text.split("?")[0].rstrip("/")) or "index.html"
            call.effect("write", Value(posixpath.join(folder.text, name) if isinstance(folder, Value) else name,
                                       url.known))
    if isinstance(options.get("-K", options.get("--config")), Value):
        call.doubt(f"{call.name} reads its options from a file")
    return None


# --- wrappers: the command they run is read in turn ------------------------------------
_WRAPPER_OPTIONS = {
    "sudo": {"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T", "--user", "--group", "--chdir"},
    "doas": {"-u", "-C"}, "nohup": set(), "time": {"-f", "-o", "--format", "--output"},
    "nice": {"-n", "--adjustment"}, "ionice": {"-c", "-n", "-t", "--class", "--classdata"},
    "stdbuf": {"-i", "-o", "-e"}, "setsid": set(), "unbuffer": set(), "chronic": set(), "caffeinate": {"-t", "-w"},
    "exec": {"-a"}, "builtin": set(), "command": set(), "coproc": set(), "nocorrect": set(), "noglob": set(),
    "runuser": {"-u", "-g", "-G", "--user", "--group"}, "firejail": set(), "strace": {"-o", "-e", "-p", "-s"},
    "ltrace": {"-o", "-e"}, "valgrind": set(), "torsocks": set(), "proxychains": {"-f"}, "catchsegv": set(),
    "chrt": set(), "taskset": set(), "systemd-run": {"-u", "--unit", "-p", "--property"},
    "start-process": {"-argumentlist", "-workingdirectory"}, "busybox": set(), "toybox": set(), "wine": set(),
}


@program(*_WRAPPER_OPTIONS)
def _wrapper(call: Call) -> str | None:
    takes = _WRAPPER_OPTIONS[call.name]
    rest, options = _wrapped(call.args, takes)
    if call.name == "command" and ("-v" in options or "-V" in options):
        return None
    if call.name in ("sudo", "doas") and ("-s" in options or "-i" in options) and not rest:
        call.doubt(f"{call.name} {'-s' if '-s' in options else '-i'}: an interactive shell reads its input")
        return None
    if call.name == "sudo" and isinstance(options.get("-D", options.get("--chdir")), Value):
        call = Call(call.name, call.args, call.scope.child(), call.stdin, call.reader, call.found)
        call.scope.change_directory(options.get("-D", options.get("--chdir")))
    if call.name in ("chrt", "taskset") and rest:
        rest = rest[1:]  # the priority or CPU list
    if call.name == "start-process":
        call.doubt("start-process: starts a program whose arguments PowerShell builds")
    return call.run(rest, call.stdin) if rest else None


def _wrapped(args: list, takes_value: set) -> tuple[list, dict]:
    """The wrapped command: what follows the wrapper's own options (``--`` ends them)."""
    options, index = {}, 0
    while index < len(args) and args[index].option:
        text = args[index].text
        index += 1
        if text == "--":
            break
        name = text.split("=", 1)[0]
        if "=" not in text and (name in takes_value or (len(text) == 2 and name in takes_value)) and index < len(
                args):
            options[name] = args[index]
            index += 1
        else:
            for letter in (text[1:] if not text.startswith("--") else ""):
                options["-" + letter] = True
            options[name] = True
    return list(args[index:]), options


@program("env")
def _env(call: Call) -> str | None:
    args, index = list(call.args), 0
    scope = call.scope.child()
    while index < len(args):
        text = args[index].text
        if text in ("-u", "--unset") and index + 1 < len(args):
            scope.env[args[index + 1].text] = ""
            index += 2
        elif text in ("-C", "--chdir") and index + 1 < len(args):
            scope.change_directory(args[index + 1])
            index += 2
        elif text in ("-S", "--split-string") and index + 1 < len(args):
            return call.reader.read_text(" ".join(a.text for a in args[index + 1:]), scope, call.stdin, "env -S")
        elif text.startswith("-S") and len(text) > 2:
            return call.reader.read_text(text[2:] + " " + " ".join(a.text for a in args[index + 1:]), scope,
                                         call.stdin, "env -S")
        elif args[index].option:
            index += 1
            if text == "--":
                break
        elif re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", text):
            name, _, value = text.partition("=")
            scope.env[name] = value if args[index].known else None
            index += 1
        else:
            break
    rest = args[index:]
    return call.reader.run_argv(rest, scope, call.stdin) if rest else None


@program("timeout", "gtimeout")
def _timeout(call: Call) -> str | None:
    rest, _ = _wrapped(call.args, {"-s", "--signal", "-k", "--kill-after"})
    return call.run(rest[1:], call.stdin) if len(rest) > 1 else None


@program("xargs")
def _xargs(call: Call) -> None:
    rest, options = _wrapped(call.args, {"-I", "-i", "-n", "-L", "-P", "-d", "-E", "-s", "-a", "--arg-file",
                                         "--max-args", "--max-procs", "--delimiter", "--replace"})
    replace = options.get("-I", options.get("--replace"))
    inner = rest or [Value("echo")]
    unknown = Value("<input of xargs>", known=False)
    if isinstance(replace, Value):
        argv = [Value(a.text.replace(replace.text, unknown.text), a.known and replace.text not in a.text)
                for a in inner]
    else:
        argv = inner + [unknown]
    before = len(call.found.doubts)
    call.run(argv, None)
    if len(call.found.doubts) > before or _mutates(call.found, argv):
        call.doubt(f"xargs {inner[0].text}: applied to input that cannot be read")


def _mutates(found: Found, argv: list) -> bool:
    return any(e.kind not in ("read", "backup") for e in found.effects if "<input of xargs>" in e.target)


@program("parallel")
def _parallel(call: Call) -> None:
    call.doubt("parallel builds its commands from input that cannot be read")
    rest = [a for a in call.args if a.text not in (":::", "::::")]
    if rest:
        call.run(rest, None)


@program("watch")
def _watch(call: Call) -> str | None:
    rest, _ = _wrapped(call.args, {"-n", "--interval", "-d", "--differences"})
    return call.shell(" ".join(a.text for a in rest), "watch") if rest else None


@program("flock")
def _flock(call: Call) -> str | None:
    rest, options = _wrapped(call.args, {"-w", "--timeout", "-E", "-c", "--command"})
    code = options.get("-c", options.get("--command"))
    if isinstance(code, Value):
        return call.shell(code.text, "flock -c")
    return call.run(rest[1:], call.stdin) if len(rest) > 1 else None


@program("su", "sg", "script")
def _su(call: Call) -> str | None:
    rest, options = _wrapped(call.args, {"-c", "--command", "-s", "--shell", "-g", "-G", "-q"})
    code = options.get("-c", options.get("--command"))
    if isinstance(code, Value):
        if not code.known:
            call.doubt(f"{call.name} -c: the command is computed when it runs")
        return call.shell(code.text, f"{call.name} -c")
    if call.name != "script":
        call.doubt(f"{call.name}: an interactive shell reads its input")
    return None


@program("ssh")
def _ssh(call: Call) -> str | None:
    rest, _ = _wrapped(call.args, {"-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-E", "-b", "-c", "-m",
                                   "-O", "-Q", "-S", "-W", "-w", "-B", "-e", "-I"})
    call.doubt("ssh runs its command on another machine (it may be this one)")
    if len(rest) > 1:
        return call.shell(" ".join(a.text for a in rest[1:]), "ssh")
    return None


@program("chroot")
def _chroot(call: Call) -> None:
    call.doubt("chroot runs its command with another root folder")
    rest, _ = _wrapped(call.args, {"--userspec", "--groups"})
    if len(rest) > 1:
        call.run(rest[1:], call.stdin)


@program("eval", "invoke-expression", "iex")
def _eval(call: Call) -> str | None:
    if any(not a.known for a in call.args):
        call.doubt(f"{call.name}: runs code that is computed when it runs")
    return call.shell(" ".join(a.text for a in call.args), call.name, call.stdin)


@program("trap")
def _trap(call: Call) -> None:
    operands, _ = split_args(call.args)
    if len(operands) > 1 and operands[0].text not in ("-", ""):
        call.shell(operands[0].text, "trap")


@program("at", "batch", "crontab", "schtasks", "register-scheduledjob")
def _schedule(call: Call) -> None:
    call.doubt(f"{call.name} schedules commands to run later")
    if call.stdin is not None:
        call.shell(call.stdin, call.name)


@program("alias", "unalias", "enable", "hash", "complete", "bind")
def _shell_setting(call: Call) -> None:
    if call.name == "alias" and call.args:
        call.doubt("alias: changes what later command names mean")
        for arg in call.args:
            _, equals, value = arg.text.partition("=")
            if equals:
                call.shell(value, "alias")


# --- shell state -----------------------------------------------------------------
@program("cd", "chdir", "pushd", "popd", "set-location", "sl")
def _cd(call: Call) -> None:
    operands, _ = split_args(call.args)
    if call.name == "popd":
        call.scope.cwd = None
    else:
        call.scope.change_directory(operands[0] if operands else None)


@program("export", "declare", "typeset", "local", "readonly", "set-variable")
def _declare(call: Call) -> None:
    for arg in call.args:
        if arg.option:
            continue
        name, equals, value = arg.text.partition("=")
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            if equals:
                call.scope.env[name] = value if arg.known else None
            elif call.name in ("local", "declare", "typeset"):
                call.scope.env[name] = ""


@program("unset")
def _unset(call: Call) -> None:
    for arg in call.args:
        if not arg.option:
            call.scope.env[arg.text] = ""


@program("read", "mapfile", "readarray")
def _read(call: Call) -> None:
    operands, _ = split_args(call.args, {"-p", "-d", "-n", "-N", "-t", "-u", "-a", "-C", "-c", "-s", "-O"})
    for name in operands or [Value("REPLY")]:
        call.scope.env[name.text] = None


@program("set")
def _set(call: Call) -> None:
    texts = [a.text for a in call.args]
    if "--" in texts:
        _set_positional(call.scope, [Value("sh")] + list(call.args[texts.index("--") + 1:]))
    else:
        operands, _ = split_args([a for a in call.args if not a.text.startswith("+")], {"-o"})
        if operands:
            _set_positional(call.scope, [Value("sh")] + operands)


@program("shift")
def _shift(call: Call) -> None:
    count = int(call.args[0].text) if call.args and call.args[0].text.isdigit() else 1
    env = call.scope.env
    values = [Value(env[str(i)], True) if env.get(str(i)) is not None else Value(f"${i}", False)
              for i in range(1, 1 + int(env.get("#") or 0))] if (env.get("#") or "").isdigit() else []
    _set_positional(call.scope, [Value(env.get("0") or "sh")] + values[count:])


@program("source", ".")
def _source(call: Call) -> None:
    operands, _ = split_args(call.args)
    if not operands:
        return call.doubt(f"{call.name} without a file")
    if not operands[0].known:
        call.doubt(f"{call.name} runs a file named when it runs: {operands[0].text}")
    call.opaque(operands[0].text, operands[1:])
    for name in call.scope.env:  # a sourced file may set any variable: none is known from here on
        call.scope.env[name] = None


# --- shells and interpreters: their code is read in turn --------------------------------
_SHELLS = ("sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "tcsh", "csh", "yash", "posh", "rbash")
_SHELL_VALUE_OPTIONS = {"-o", "+o", "-O", "+O", "--rcfile", "--init-file", "-C", "--init-command"}


@program(*_SHELLS)
def _shell(call: Call) -> str | None:
    args, index, command_mode, reads_stdin = list(call.args), 0, False, False
    while index < len(args) and args[index].known and args[index].text[:1] in "-+" and args[index].text != "-":
        text = args[index].text
        index += 1
        if text == "--":
            break
        if text in _SHELL_VALUE_OPTIONS:
            index += 1
        elif text in ("-c", "--command") or (not text.startswith("--") and "c" in text[1:]):
            command_mode = True
        elif not text.startswith("--") and "s" in text[1:]:
            reads_stdin = True
    rest = args[index:]
    if command_mode:
        if not rest:
            return call.doubt(f"{call.name} -c without a command")
        code = rest[0]
        if not code.known:
            call.doubt(f"{call.name} -c: the command is computed when it runs")
        return call.shell(code.text, f"{call.name} -c", None, rest[1:] or [Value(call.name)])
    if rest and not reads_stdin and rest[0].text != "-":
        call.opaque(rest[0].text, rest[1:])
        return None
    if not rest and _only_asks_version(call, args):
        return None
    if call.stdin is None:
        return call.doubt(f"{call.name} reads its commands from input that cannot be read")
    return call.shell(call.stdin, f"{call.name} (commands from its input)", None, [Value(call.name)] + rest[1:])


@program("python", "python3", "python2", "py", "pypy", "pypy3", "python3.10", "python3.11", "python3.12",
         "python3.13", "python3.14")
def _python(call: Call) -> None:
    args, index = list(call.args), 0
    while index < len(args) and args[index].option:
        text = args[index].text
        index += 1
        if text in ("-W", "-X", "--check-hash-based-pycs"):
            index += 1
            continue
        letters = text[1:] if not text.startswith("--") else ""
        for position, letter in enumerate(letters):
            if letter in "cm":
                attached = letters[position + 1:]
                value = Value(attached) if attached else (args[index] if index < len(args) else Value(""))
                index += 0 if attached else 1
                if letter == "c":
                    return _python_code(call, value, args[index:])
                return call.opaque(f"python -m {value.text}", args[index:], is_file=False)
            if letter in "WX":
                index += 0 if letters[position + 1:] else 1
                break
    rest = args[index:]
    if rest and rest[0].text != "-":
        return call.opaque(rest[0].text, rest[1:])
    if _only_asks_version(call, args[:index]):
        return None
    if call.stdin is None:
        return call.doubt(f"{call.name} reads its code from input that cannot be read")
    return _python_code(call, Value(call.stdin), rest[1:])


def _only_asks_version(call: Call, options: list) -> bool:
    """``node -v``, ``python --version``, ``bash --help``: it prints and exits, reading nothing."""
    asks = {"--version", "--help", "-h", "-V", "-?"} | ({"-v"} if not call.name.startswith(("python", "py")) else
                                                        set())
    return any(o.text in asks for o in options)


def _python_code(call: Call, code: Value, argv: list) -> None:
    if not code.known:
        call.doubt(f"{call.name} -c: the code is computed when it runs")
    read_python(code.text, call.name, _CodeSink(call), [Value("-c")] + argv)


class _CodeSink:
    """What inline-code readers report into: effects on paths, shell commands, doubts."""

    def __init__(self, call: Call):
        self.call = call

    def effect(self, kind: str, target: str, known: bool = True) -> None:
        self.call.effect(kind, Value(target, known))

    def shell(self, text: str, label: str) -> None:
        self.call.shell(text, label)

    def argv(self, words: list[str]) -> None:
        self.call.run([Value(w) for w in words], None)

    def doubt(self, reason: str) -> None:
        self.call.doubt(reason)


#: interpreter: (flags whose value is code, flags taking another value, short flags bundle like perl's)
_INTERPRETERS = {
    "node": ({"-e", "--eval", "-p", "--print"}, {"-r", "--require", "--import", "--loader", "-C", "--conditions",
                                                 "--input-type", "--env-file"}, False),
    "perl": ({"-e", "-E"}, {"-I", "-M", "-m", "-F", "-C", "-x", "-d", "-D"}, True),
    "ruby": ({"-e"}, {"-I", "-r", "-C", "-F", "-E", "-x", "-W", "-K", "-T"}, True),
    "php": ({"-r"}, {"-d", "-c", "-z", "-t", "-S", "-F", "-B", "-R", "-E"}, False),
    "lua": ({"-e"}, {"-l"}, False), "rscript": ({"-e"}, set(), False), "osascript": ({"-e"}, {"-l"}, False),
    "julia": ({"-e", "--eval", "-E", "--print"}, {"-L", "--load", "-J"}, False),
    "groovy": ({"-e"}, set(), False), "tclsh": (set(), set(), False), "wscript": (set(), set(), False),
    "cscript": (set(), set(), False), "mshta": (set(), set(), False),
}
for _alias, _same in (("nodejs", "node"), ("bun", "node"), ("luajit", "lua")):
    _INTERPRETERS[_alias] = _INTERPRETERS[_same]


@program(*_INTERPRETERS, "deno")
def _interpreter(call: Call) -> None:
    args = list(call.args)
    if call.name == "deno":  # deno eval CODE | deno run FILE
        sub = args[0].text if args else ""
        args = ([Value("-e")] + args[1:]) if sub == "eval" else args[1:] if sub == "run" else args
    code_flags, value_flags, bundles = _INTERPRETERS.get(call.name, _INTERPRETERS["node"])
    codes, in_place, index = [], False, 0
    while index < len(args) and args[index].option:
        text = args[index].text
        index += 1
        name, equals, attached = text.partition("=")
        if text == "--":
            break
        if name in code_flags or name in value_flags:
            value = Value(attached) if equals else (args[index] if index < len(args) else Value(""))
            index += 0 if equals else 1
            if name in code_flags:
                codes.append(value)
            continue
        if bundles and not text.startswith("--"):
            taken, in_place_here, code = _bundle(text[1:], code_flags, value_flags)
            in_place = in_place or in_place_here
            if code is not None:
                codes.append(Value(code) if code else (args[index] if index < len(args) else Value("")))
                index += 0 if code else 1
            elif taken == "next" and index < len(args):
                index += 1
    rest = args[index:]
    if not codes:
        if rest:
            return call.opaque(rest[0].text, rest[1:])
        if _only_asks_version(call, args):
            return None
        if call.stdin is None:
            return call.doubt(f"{call.name} reads its code from input that cannot be read")
        codes = [Value(call.stdin)]
    language = language_of(call.name)
    for code in codes:
        if not code.known:
            call.doubt(f"{call.name}: the code is computed when it runs")
        read_other(language, code.text, call.name, _CodeSink(call))
    call.effects("write" if in_place else "read", rest)


def _bundle(letters: str, code_flags: set, value_flags: set) -> tuple[str | None, bool, str | None]:
    """A perl/ruby short-flag bundle (``-pi.bak``, ``-lne``, ``-MFile::Path``): (whether the next
    argument is a flag's value, whether files are edited in place, the code given, if any)."""
    in_place, position = False, 0
    while position < len(letters):
        letter, rest = letters[position], letters[position + 1:]
        if letter in "l0":  # -l and -0 take only the digits that follow them
            position += 1 + len(re.match(r"(x[0-9A-Fa-f]*|[0-7]*)", rest).group())
            continue
        position += 1
        if letter == "i":
            return None, True, None  # the rest of the bundle is the backup suffix
        if "-" + letter in code_flags:
            return None, in_place, rest
        if "-" + letter in value_flags:
            return (None if rest else "next"), in_place, None
    return None, in_place, None


@program("powershell", "pwsh", "powershell_ise")
def _powershell(call: Call) -> None:
    args, index = list(call.args), 0
    while index < len(args):
        text = args[index].text.lower()
        if not (text.startswith("-") or text.startswith("/")):
            break
        name = text[1:]
        index += 1
        if name.startswith(("ex", "ep", "w", "inputf", "outputf", "v", "conf", "ps", "settings", "workingd",
                            "custompipe")):
            index += 1
        elif name.startswith(("e", "ec")) and index < len(args):
            return _powershell_encoded(call, args[index])
        elif name.startswith("c") and not name.startswith("conf"):
            break
        elif name.startswith("f"):
            if index < len(args):
                call.opaque(args[index].text, args[index + 1:])
            return None
    rest = args[index:]
    if not rest or rest[0].text == "-":
        if call.stdin is None:
            return call.doubt(f"{call.name} reads its commands from input that cannot be read")
        return read_powershell(call.stdin, _CodeSink(call))
    if any(not a.known for a in rest):
        call.doubt(f"{call.name}: the command is computed when it runs")
    return read_powershell(_spelled(rest), _CodeSink(call))


def _powershell_encoded(call: Call, value: Value) -> None:
    try:
        code = base64.b64decode(value.text, validate=True).decode("utf-16-le")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return call.doubt(f"{call.name} -EncodedCommand: not base64 of UTF-16 text")
    return read_powershell(code, _CodeSink(call))


@program("cmd", "command.com")
def _cmd(call: Call) -> None:
    for index, arg in enumerate(call.args):
        if arg.text.lower() in ("/c", "/k", "/r"):
            rest = call.args[index + 1:]
            if any(not a.known for a in rest):
                call.doubt("cmd /c: the command is computed when it runs")
            return read_cmd(_spelled(rest), _CodeSink(call))
        if not arg.text.startswith("/"):
            break
    if call.stdin is None:
        return call.doubt("cmd reads its commands from input that cannot be read")
    return read_cmd(call.stdin, _CodeSink(call))
