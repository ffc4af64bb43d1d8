# GENERATED from lib/omas/command_runners.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Programs that run other commands or code, and the shell builtins that change its state.

Wrappers (``sudo``, ``env``, ``timeout``, ``nice``, ``xargs``, ``watch``,
``ssh``...) hand the command they wrap back to the reader; shells hand it
their ``-c`` code or the commands they read from a pipe or here-document;
interpreters hand their inline code to ``lib/omas/inline_code.py``
(``python -c``, ``node -e``, ``perl -e``, ``powershell -EncodedCommand``,
``cmd /c``...). The builtins (``cd``, ``export``, ``read``, ``set``,
``source``, ``eval``, ``trap``, ``alias``) change what later commands mean,
so the reader's scope follows them.
"""

from __future__ import annotations

import base64
import binascii
import re

from .command_model import Found, Value
from .inline_code import language_of, read_cmd, read_other, read_powershell, read_python
from .programs import STDIN_FILES, Call, registry, set_positional, split_args

RUNNERS: dict = {}
runner = registry(RUNNERS)


def _spelled(values: list) -> str:
    """Arguments joined back into the text a Windows shell gets (backslashes as written)."""
    return " ".join(v.windows or v.text for v in values)


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


@runner(*_WRAPPER_OPTIONS)
def _wrapper(call: Call) -> str | None:
    takes = _WRAPPER_OPTIONS[call.name]
    rest, options = _wrapped(call.args, takes)
    if call.name == "command" and ("-v" in options or "-V" in options):
        return None
    if call.name in ("sudo", "doas") and ("-e" in options or "--edit" in options):
        return call.effects("write", rest)  # sudoedit: an editor on each file
    for flag in ("-o", "--output"):
        if call.name in ("time", "strace", "ltrace") and isinstance(options.get(flag), Value):
            call.effect("write", options[flag])
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
        if "=" not in text and name in takes_value and index < len(args):
            options[name] = args[index]
            index += 1
        elif not text.startswith("--") and text[:2] in takes_value:
            options[text[:2]] = Value(text[2:])  # `-I{}`, `-n5`: the value attached
        else:
            for letter in (text[1:] if not text.startswith("--") else ""):
                options["-" + letter] = True
            options[name] = True
    return list(args[index:]), options


@runner("env")
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
        elif args[index].option or text == "-":  # `env -` is `env -i`
            index += 1
            if text == "--":
                break
        elif re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", text):
            name, _, value = text.partition("=")
            call.found.assigned(name)
            scope.env[name] = value if args[index].known else None
            index += 1
        else:
            break
    rest = args[index:]
    return call.reader.run_argv(rest, scope, call.stdin) if rest else None


@runner("timeout", "gtimeout")
def _timeout(call: Call) -> str | None:
    rest, _ = _wrapped(call.args, {"-s", "--signal", "-k", "--kill-after"})
    return call.run(rest[1:], call.stdin) if len(rest) > 1 else None


@runner("xargs")
def _xargs(call: Call) -> None:
    rest, options = _wrapped(call.args, {"-I", "-i", "-n", "-L", "-P", "-d", "-E", "-s", "-a", "--arg-file",
                                         "--max-args", "--max-procs", "--delimiter", "--replace"})
    replace = options.get("-I", options.get("--replace"))
    inner = rest or [Value("echo")]
    unknown = Value("@xargs-input@", known=False)
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
    return any(e.kind not in ("read", "backup") for e in found.effects if "@xargs-input@" in e.target)


@runner("parallel")
def _parallel(call: Call) -> None:
    call.doubt("parallel builds its commands from input that cannot be read")
    rest = [a for a in call.args if a.text not in (":::", "::::")]
    if rest:
        call.run(rest, None)


@runner("watch")
def _watch(call: Call) -> str | None:
    rest, _ = _wrapped(call.args, {"-n", "--interval", "-d", "--differences"})
    return call.shell(" ".join(a.text for a in rest), "watch") if rest else None


@runner("flock")
def _flock(call: Call) -> str | None:
    rest, options = _wrapped(call.args, {"-w", "--timeout", "-E", "-c", "--command"})
    code = options.get("-c", options.get("--command"))
    if isinstance(code, Value):
        return call.shell(code.text, "flock -c")
    return call.run(rest[1:], call.stdin) if len(rest) > 1 else None


@runner("su", "sg", "script")
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


@runner("ssh")
def _ssh(call: Call) -> str | None:
    rest, _ = _wrapped(call.args, {"-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-E", "-b", "-c", "-m",
                                   "-O", "-Q", "-S", "-W", "-w", "-B", "-e", "-I"})
    call.doubt("ssh runs its command on another machine (it may be this one)")
    if len(rest) > 1:
        return call.shell(" ".join(a.text for a in rest[1:]), "ssh")
    return None


@runner("chroot")
def _chroot(call: Call) -> None:
    call.doubt("chroot runs its command with another root folder")
    rest, _ = _wrapped(call.args, {"--userspec", "--groups"})
    if len(rest) > 1:
        call.run(rest[1:], call.stdin)


@runner("eval", "invoke-expression", "iex")
def _eval(call: Call) -> str | None:
    if any(not a.known for a in call.args):
        call.doubt(f"{call.name}: runs code that is computed when it runs")
    return call.shell(" ".join(a.text for a in call.args), call.name, call.stdin)


@runner("trap")
def _trap(call: Call) -> None:
    operands, _ = split_args(call.args)
    if len(operands) > 1 and operands[0].text not in ("-", ""):
        call.shell(operands[0].text, "trap")


@runner("at", "batch", "crontab", "schtasks", "register-scheduledjob")
def _schedule(call: Call) -> None:
    call.doubt(f"{call.name} schedules commands to run later")
    if call.stdin is not None:
        call.shell(call.stdin, call.name)


@runner("sudoedit")
def _sudoedit(call: Call) -> None:
    operands, _ = split_args(call.args, {"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"})
    call.effects("write", operands)


@runner("alias", "unalias", "enable", "hash", "complete", "bind")
def _shell_setting(call: Call) -> None:
    if call.name in ("hash", "enable") and any(a.text in ("-p", "-f") for a in call.args):
        call.doubt(f"{call.name} {'-p' if call.name == 'hash' else '-f'}: changes which program a name runs")
    if call.name == "alias" and call.args:
        call.doubt("alias: changes what later command names mean")
        for arg in call.args:
            _, equals, value = arg.text.partition("=")
            if equals:
                call.shell(value, "alias")


# --- shell state -----------------------------------------------------------------
@runner("cd", "chdir", "pushd", "popd", "set-location", "sl")
def _cd(call: Call) -> None:
    operands, _ = split_args(call.args)
    if call.name == "popd":
        call.scope.cwd = None
    else:
        call.scope.change_directory(operands[0] if operands else None)


@runner("export", "declare", "typeset", "local", "readonly", "set-variable")
def _declare(call: Call) -> None:
    for arg in call.args:
        if arg.option:
            continue
        name, equals, value = arg.text.partition("=")
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            if equals:
                call.found.assigned(name)
                call.scope.env[name] = value if arg.known else None
            elif call.name in ("local", "declare", "typeset"):
                call.scope.env[name] = ""


@runner("unset")
def _unset(call: Call) -> None:
    for arg in call.args:
        if not arg.option:
            call.scope.env[arg.text] = ""


@runner("read", "mapfile", "readarray")
def _read(call: Call) -> None:
    operands, _ = split_args(call.args, {"-p", "-d", "-n", "-N", "-t", "-u", "-a", "-C", "-c", "-s", "-O"})
    for name in operands or [Value("REPLY")]:
        call.scope.env[name.text] = None


@runner("set")
def _set(call: Call) -> None:
    texts = [a.text for a in call.args]
    if "--" in texts:
        set_positional(call.scope, [Value("sh")] + list(call.args[texts.index("--") + 1:]))
    else:
        operands, _ = split_args([a for a in call.args if not a.text.startswith("+")], {"-o"})
        if operands:
            set_positional(call.scope, [Value("sh")] + operands)


@runner("shift")
def _shift(call: Call) -> None:
    count = int(call.args[0].text) if call.args and call.args[0].text.isdigit() else 1
    env = call.scope.env
    values = [Value(env[str(i)], True) if env.get(str(i)) is not None else Value(f"${i}", False)
              for i in range(1, 1 + int(env.get("#") or 0))] if (env.get("#") or "").isdigit() else []
    set_positional(call.scope, [Value(env.get("0") or "sh")] + values[count:])


@runner("source", ".")
def _source(call: Call) -> None:
    operands, _ = split_args(call.args)
    if not operands:
        return call.doubt(f"{call.name} without a file")
    if not operands[0].known:
        call.doubt(f"{call.name} runs a file named when it runs: {operands[0].text}")
    if operands[0].text in STDIN_FILES and call.stdin is not None:
        call.reader.read_text(call.stdin, call.scope, None, f"{call.name} {operands[0].text}")
    else:
        call.opaque(operands[0].text, operands[1:])
    for name in call.scope.env:  # a sourced file may set any variable: none is known from here on
        call.scope.env[name] = None


# --- shells and interpreters: their code is read in turn --------------------------------
_SHELLS = ("sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "tcsh", "csh", "yash", "posh", "rbash")
_SHELL_VALUE_OPTIONS = {"-o", "+o", "-O", "+O", "--rcfile", "--init-file", "-C", "--init-command"}


@runner(*_SHELLS)
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
    if rest and not reads_stdin and rest[0].text not in STDIN_FILES:
        call.opaque(rest[0].text, rest[1:])
        return None
    if not rest and _only_asks_version(call, args):
        return None
    if call.stdin is None:
        return call.doubt(f"{call.name} reads its commands from input that cannot be read")
    return call.shell(call.stdin, f"{call.name} (commands from its input)", None, [Value(call.name)] + rest[1:])


@runner("python", "python3", "python2", "py", "pypy", "pypy3", "python3.10", "python3.11", "python3.12",
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
    if rest and rest[0].text not in STDIN_FILES:
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
        # the code runs in its own process: a `cd` in it changes nothing for the shell after it
        self.call = Call(call.name, call.args, call.scope.child(), None, call.reader, call.found)

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


@runner(*_INTERPRETERS, "deno")
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


@runner("powershell", "pwsh", "powershell_ise")
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


@runner("cmd", "command.com")
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
