# GENERATED from lib/omas/inline_code.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""Code handed to an interpreter on its command line (``python -c``, ``node -e``, ``powershell -Command``...).

Each reader reports into a *sink* (effects on paths, shell commands to read
in turn, doubts), so it needs nothing from the shell reader itself:

- Python is parsed (``ast``). It is understood only when every call in it is
  one this module knows: file operations (``shutil.rmtree``, ``os.remove``,
  ``Path.unlink``, ``open(..., 'w')``...) become effects, ``os.system`` and
  ``subprocess`` commands are read as commands, and harmless calls
  (``print``, ``os.listdir``...) pass. Anything else (``exec``, a computed
  path, an unknown function) is a doubt;
- JavaScript, Perl, Ruby, PHP and the rest are not parsed: the calls that
  delete, move, write or run commands are found and their literal arguments
  read, and the code always counts as not fully understood;
- PowerShell and ``cmd`` get small readers of their own (their quoting and
  escapes differ from the POSIX shell's); what they cannot read is a doubt.
"""

from __future__ import annotations

import ast
import re

# --- Python ----------------------------------------------------------------------
_PY_DELETE = {"shutil.rmtree", "os.remove", "os.unlink", "os.rmdir", "os.removedirs", "Path.unlink", "Path.rmdir",
              "send2trash.send2trash"}
_PY_MOVE = {"os.rename", "os.replace", "os.renames", "shutil.move", "Path.rename", "Path.replace"}
_PY_COPY = {"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.copymode",
            "shutil.copystat", "Path.copy", "Path.copy_into"}
_PY_WRITE = {"os.mkdir", "os.makedirs", "os.chmod", "os.chown", "os.lchown", "os.truncate", "os.utime",
             "shutil.chown", "os.mkfifo", "os.chflags", "Path.write_text", "Path.write_bytes", "Path.touch",
             "Path.mkdir", "Path.chmod", "Path.lchmod", "Path.symlink_to", "Path.hardlink_to"}
_PY_SECOND_WRITTEN = {"os.symlink", "os.link", "shutil.make_archive"}
_PY_SHELL = {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput", "pty.spawn",
             "asyncio.create_subprocess_shell"}
_PY_PROCESS = {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
               "subprocess.Popen", "asyncio.create_subprocess_exec", "os.posix_spawn", "os.posix_spawnp"}
_PY_EXEC_PREFIXES = ("os.exec", "os.spawn")
_PY_DYNAMIC = {"exec", "eval", "compile", "__import__", "getattr", "setattr", "delattr", "globals", "locals", "vars",
               "importlib.import_module", "runpy.run_path", "runpy.run_module", "ctypes.CDLL", "pickle.loads",
               "marshal.loads", "os.chdir", "breakpoint", "code.interact", "builtins.exec", "builtins.eval"}
_PY_DANGEROUS = (_PY_DELETE | _PY_MOVE | _PY_COPY | _PY_WRITE | _PY_SECOND_WRITTEN | _PY_SHELL | _PY_PROCESS
                 | _PY_DYNAMIC)
_PY_HARMLESS = {
    "print", "len", "str", "repr", "int", "float", "bool", "list", "dict", "set", "tuple", "range", "sorted",
    "reversed", "enumerate", "zip", "map", "filter", "min", "max", "sum", "abs", "any", "all", "isinstance",
    "issubclass", "hasattr", "format", "round", "chr", "ord", "hex", "oct", "bin", "divmod", "pow", "hash", "id",
    "type", "iter", "next", "input", "bytes", "bytearray", "frozenset", "object", "callable", "ascii", "slice",
    "exit", "quit", "sys.exit", "os.listdir", "os.scandir", "os.walk", "os.getcwd", "os.getenv", "os.environ.get",
    "os.cpu_count", "os.getpid", "os.stat", "os.lstat", "os.access", "os.fspath", "os.uname", "os.get_terminal_size",
    "json.dumps", "json.loads", "json.load", "json.dump", "glob.glob", "glob.iglob", "Path", "PurePath",
    "PurePosixPath", "PureWindowsPath", "Path.home", "Path.cwd", "shutil.which", "shutil.disk_usage",
    "platform.platform", "platform.system", "platform.python_version", "platform.machine", "time.time",
    "time.sleep", "time.monotonic", "datetime.datetime.now", "datetime.date.today", "hashlib.sha256",
    "hashlib.md5", "hashlib.sha1", "base64.b64encode", "base64.b64decode", "yaml.safe_load", "yaml.safe_dump",
    "textwrap.dedent", "math.sqrt", "random.random", "random.choice", "random.randint", "socket.gethostname",
    "getpass.getuser", "locale.getlocale", "sys.getsizeof", "importlib.metadata.version", "sqlite3.version",
    "collections.Counter", "collections.defaultdict", "itertools.chain", "functools.reduce",
}
_PATH_CLASSES = {f"pathlib.{name}": "Path" for name in ("Path", "PosixPath", "WindowsPath", "PurePath",
                                                          "PurePosixPath", "PureWindowsPath")}
_PY_HARMLESS_PREFIXES = ("os.path.", "re.", "math.", "string.", "json.", "datetime.", "fnmatch.", "statistics.",
                         "itertools.", "operator.", "unicodedata.", "platform.", "sys.version", "textwrap.")
_PY_PATH_READS = {"exists", "is_dir", "is_file", "is_symlink", "iterdir", "glob", "rglob", "read_text", "read_bytes",
                  "resolve", "stat", "lstat", "absolute", "joinpath", "with_suffix", "with_name", "with_stem",
                  "relative_to", "as_posix", "expanduser", "samefile", "match", "is_absolute", "owner", "group",
                  "readlink", "walk"}
_HARMLESS_METHODS = {
    "split", "rsplit", "strip", "lstrip", "rstrip", "join", "format", "lower", "upper", "title", "startswith",
    "endswith", "encode", "decode", "read", "readline", "readlines", "write", "writelines", "close", "flush",
    "items", "keys", "values", "get", "append", "extend", "insert", "pop", "sort", "count", "index", "find",
    "rfind", "splitlines", "hexdigest", "digest", "update", "isoformat", "strftime", "zfill", "center", "ljust",
    "rjust", "partition", "rpartition", "casefold", "isdigit", "isalpha", "copy", "setdefault", "add", "discard",
    "union", "intersection", "difference", "group", "groups", "match", "search", "fullmatch", "findall", "sub",
    "seek", "tell", "fileno", "__enter__", "__exit__", "is_dir", "is_file", "exists", "stat", "name", "total_seconds",
}


def read_python(code: str, program: str, sink, argv: list) -> None:
    """Effects and doubts of a Python program given inline (``python -c``)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError) as exc:
        sink.doubt(f"{program} -c code does not parse ({exc.__class__.__name__}): {code[:60]}")
        return
    _PythonReader(program, sink, [a.text for a in argv]).visit(tree)


class _PythonReader(ast.NodeVisitor):
    def __init__(self, program: str, sink, argv: list[str]):
        self.program, self.sink, self.argv = program, sink, argv
        self.names: dict[str, object] = {}  # alias -> module/function path, or ("value", text), or ("path", text)
        self.defined: set[str] = set()
        self.called: set[int] = set()  # the function expressions of calls (ids of their nodes)

    def doubt(self, what: str) -> None:
        self.sink.doubt(f"{self.program} -c code: {what}")

    # -- bindings
    def visit_Import(self, node) -> None:
        for alias in node.names:
            self.names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(
                ".")[0]

    def visit_ImportFrom(self, node) -> None:
        for alias in node.names:
            if alias.name == "*":
                self.doubt(f"from {node.module} import *")
                continue
            full = f"{node.module}.{alias.name}"
            self.names[alias.asname or alias.name] = _PATH_CLASSES.get(full, full)

    def visit_FunctionDef(self, node) -> None:
        self.defined.add(node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node) -> None:
        self.defined.add(node.name)
        self.generic_visit(node)

    def visit_Assign(self, node) -> None:
        self.generic_visit(node)
        value = self.value_of(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.names[target.id] = value if value is not None else ("unknown", None)

    def visit_With(self, node) -> None:
        for item in node.items:
            if isinstance(item.optional_vars, ast.Name):
                self.names[item.optional_vars.id] = ("file", None)
        self.generic_visit(node)

    def visit_Attribute(self, node) -> None:
        if node.attr.startswith("__") and node.attr.endswith("__") and node.attr not in ("__name__", "__file__"):
            self.doubt(f"reaches {node.attr}")
        self.not_passed_on(node)
        self.generic_visit(node)

    def visit_Name(self, node) -> None:
        self.not_passed_on(node)

    def not_passed_on(self, node) -> None:
        """``map(os.remove, ...)``, ``f = shutil.rmtree``: a dangerous function used without a call here."""
        if id(node) in self.called or not isinstance(node.ctx, ast.Load):
            return
        name = self.dotted(node)
        if name and (name in _PY_DANGEROUS or name.startswith(_PY_EXEC_PREFIXES)):
            self.doubt(f"passes {name} on instead of calling it")

    # -- values
    def text_of(self, node) -> str | None:
        """A string the code computes from literals only, else None."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div)):
            left, right = self.text_of(node.left), self.text_of(node.right)
            if left is not None and right is not None:
                return f"{left}/{right}" if isinstance(node.op, ast.Div) else left + right
        if isinstance(node, ast.JoinedStr):
            pieces = [self.text_of(v.value) if isinstance(v, ast.FormattedValue) else v.value for v in node.values]
            return "".join(pieces) if all(p is not None for p in pieces) else None
        if isinstance(node, ast.Name):
            bound = self.names.get(node.id)
            if isinstance(bound, tuple) and bound[0] in ("value", "path"):
                return bound[1]
        if isinstance(node, ast.Subscript) and self.dotted(node.value) == "sys.argv":
            index = node.slice.value if isinstance(node.slice, ast.Constant) else None
            return self.argv[index] if isinstance(index, int) and 0 <= index < len(self.argv) else None
        if isinstance(node, ast.Call):
            name = self.dotted(node.func)
            args = [self.text_of(a) for a in node.args]
            if name in ("Path", "PurePath", "PurePosixPath", "os.path.join", "str", "os.path.abspath",
                        "os.path.expanduser", "os.path.normpath", "os.fspath", "os.path.realpath") and args and \
                    all(a is not None for a in args):
                return "/".join(args)
            if isinstance(node.func, ast.Attribute) and node.func.attr == "joinpath":
                base = self.text_of(node.func.value)
                if base is not None and all(a is not None for a in args):
                    return "/".join([base] + args)
        return None

    def value_of(self, node):
        text = self.text_of(node)
        if text is not None:
            return ("path", text) if self.is_path(node) else ("value", text)
        if isinstance(node, ast.Call) and self.dotted(node.func) in ("open", "io.open"):
            return ("file", None)
        return None

    def is_path(self, node) -> bool:
        if isinstance(node, ast.Call):
            return self.dotted(node.func) in ("Path", "PurePath", "PurePosixPath")
        if isinstance(node, ast.BinOp):
            return isinstance(node.op, ast.Div)
        if isinstance(node, ast.Name):
            bound = self.names.get(node.id)
            return isinstance(bound, tuple) and bound[0] == "path"
        return False

    def dotted(self, node) -> str | None:
        """``shutil.rmtree`` for ``s.rmtree`` after ``import shutil as s``; None when not a plain name.
        Path classes are all ``Path`` (``pathlib.Path``, ``PosixPath``...)."""
        if isinstance(node, ast.Name):
            bound = self.names.get(node.id, node.id)
            return _PATH_CLASSES.get(bound, bound) if isinstance(bound, str) else None
        if isinstance(node, ast.Attribute):
            base = self.dotted(node.value)
            return _PATH_CLASSES.get(f"{base}.{node.attr}", f"{base}.{node.attr}") if base else None
        return None

    # -- calls
    def visit_Call(self, node) -> None:
        self.called.add(id(node.func))
        self.generic_visit(node)
        name = self.dotted(node.func)
        if name is None and isinstance(node.func, ast.Attribute):
            return self.method_call(node)
        if name is None:
            return self.doubt("calls something computed")
        if name in self.defined or name.split(".")[0] in self.defined:
            return None
        self.named_call(name, node)

    def method_call(self, node) -> None:
        receiver, method = node.func.value, node.func.attr
        if self.is_path(receiver):
            return self.named_call(f"Path.{method}", node, receiver=self.text_of(receiver))
        bound = self.names.get(receiver.id) if isinstance(receiver, ast.Name) else None
        is_text = (isinstance(receiver, (ast.Constant, ast.JoinedStr)) or
                   (isinstance(bound, tuple) and bound[0] in ("value", "file")))
        if method in _HARMLESS_METHODS or (is_text and method in ("replace", "format_map", "translate")):
            return None
        self.doubt(f"calls .{method}() on something it computes")

    def named_call(self, name: str, node, receiver: str | None = None) -> None:
        args = ([receiver] if receiver is not None or name.startswith("Path.") else []) + [
            self.text_of(a) for a in node.args] + [self.text_of(k.value) for k in node.keywords if k.arg in (
                "path", "src", "dst", "name", "file", "target", "base_name", "root_dir")]
        if name in _PY_DYNAMIC:
            return self.doubt(f"uses {name}")
        for names, kinds in ((_PY_DELETE, ("delete",)), (_PY_MOVE, ("move", "write")),
                             (_PY_COPY, ("backup", "write")), (_PY_WRITE, ("write",)),
                             (_PY_SECOND_WRITTEN, (None, "write"))):
            if name in names:
                return self.paths(name, kinds, args)
        if name in ("open", "io.open", "Path.open", "os.open", "codecs.open"):
            return self.open_call(name, node, args)
        if name in _PY_SHELL:
            return self.command(name, node, shell=True)
        if name in _PY_PROCESS or name.startswith(_PY_EXEC_PREFIXES):
            return self.command(name, node, shell=any(k.arg == "shell" and getattr(k.value, "value", False)
                                                      for k in node.keywords))
        if name.startswith("Path.") and name[5:] in _PY_PATH_READS:
            return None
        if name in _PY_HARMLESS or name.startswith(_PY_HARMLESS_PREFIXES):
            return None
        self.doubt(f"calls {name}, which is not read here")

    def paths(self, name: str, kinds: tuple, args: list) -> None:
        for kind, target in zip(kinds, args):
            if kind is None:
                continue
            if target is None:
                self.doubt(f"the path given to {name} is computed")
            else:
                self.sink.effect(kind, target)

    def open_call(self, name: str, node, args: list) -> None:
        mode_node = node.args[1] if len(node.args) > 1 and name != "Path.open" else (
            node.args[0] if node.args and name == "Path.open" else None)
        mode_node = next((k.value for k in node.keywords if k.arg == "mode"), mode_node)
        mode = self.text_of(mode_node) if mode_node is not None else "r"
        if name == "os.open":
            mode = "w"  # its flags are numbers: assume it may write
        target = args[0] if args else None
        if mode is None or any(letter in mode for letter in "wax+"):
            if target is None:
                return self.doubt(f"writes a file whose name is computed ({name})")
            self.sink.effect("write", target)
        elif target is not None:
            self.sink.effect("read", target)

    def command(self, name: str, node, shell: bool) -> None:
        first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in ("args", "cmd")),
                                                    None)
        if name.startswith(_PY_EXEC_PREFIXES) or name.startswith("os.posix_spawn"):
            return self.exec_call(name, node)
        if isinstance(first, (ast.List, ast.Tuple)):
            words = [self.text_of(e) for e in first.elts]
            if any(w is None for w in words):
                return self.doubt(f"{name} runs a command it computes")
            return self.sink.shell(" ".join(words), f"{name}(...)") if shell else self.sink.argv(words)
        text = self.text_of(first) if first is not None else None
        if text is None:
            return self.doubt(f"{name} runs a command it computes")
        if shell:
            return self.sink.shell(text, f"{name}(...)")
        return self.sink.argv([text])


    def exec_call(self, name: str, node) -> None:
        """``os.execv(path, [arg0, ...])``, ``os.execl(path, arg0, ...)``, ``os.spawnv(mode, path, args)``:
        the strings, lists flattened; argv is what follows the path."""
        words = []
        for arg in node.args[1:] if name.startswith("os.spawn") else node.args:  # spawn's first is the mode
            for element in (arg.elts if isinstance(arg, (ast.List, ast.Tuple)) else [arg]):
                words.append(self.text_of(element))
        if len(words) < 2 or any(w is None for w in words):
            return self.doubt(f"{name} runs a command it computes")
        return self.sink.argv(words[1:])


# --- other languages: found, never fully understood ----------------------------------------
_QUOTED = r"""(['"`])((?:\\.|(?!\{q}).)*)\{q}"""
_CALLS = {
    "javascript": {"delete": r"rmSync|rmdirSync|unlinkSync|rm|rmdir|unlink|remove|removeSync|emptyDirSync|rimraf",
                   "move": r"renameSync|rename|moveSync|move",
                   "write": r"writeFileSync|appendFileSync|writeFile|appendFile|truncateSync|truncate|mkdirSync|"
                            r"mkdir|chmodSync|chmod|symlinkSync|createWriteStream|outputFileSync",
                   "copy": r"copyFileSync|cpSync|copyFile|cp|copySync",
                   "shell": r"execSync|exec|spawnSync|spawn|execFileSync|execFile|\$"},
    "perl": {"delete": r"unlink|rmdir|rmtree|remove_tree", "move": r"rename|move", "write": r"mkdir|chmod|chown|"
             r"make_path|mkpath|truncate|symlink", "copy": r"copy|fcopy", "shell": r"system|exec|qx"},
    "ruby": {"delete": r"rm_rf|rm_r|rm|rmdir|remove_dir|remove_entry|remove_entry_secure|delete|unlink|rmtree",
             "move": r"mv|move|rename", "write": r"write|mkdir|mkdir_p|makedirs|touch|chmod|chown|symlink|ln_s|"
             r"truncate", "copy": r"cp|cp_r|copy|copy_entry", "shell": r"system|exec|spawn|popen|capture2|"
                                                                       r"capture3"},
    "php": {"delete": r"unlink|rmdir", "move": r"rename", "write": r"file_put_contents|fopen|mkdir|chmod|chown|touch|"
            r"symlink", "copy": r"copy", "shell": r"system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec"},
}
_CALLS["lua"] = {"delete": r"remove", "move": r"rename", "write": r"open", "copy": r"(?!)", "shell": r"execute|popen"}
_KINDS = {"delete": ("delete",), "move": ("move", "write"), "write": ("write",), "copy": ("backup", "write")}
_BACKTICK_LANGUAGES = {"perl", "ruby", "php"}


def language_of(program: str) -> str:
    return {"node": "javascript", "nodejs": "javascript", "bun": "javascript", "deno": "javascript",
            "perl": "perl", "ruby": "ruby", "php": "php", "lua": "lua", "luajit": "lua"}.get(program, program)


def read_other(language: str, code: str, program: str, sink) -> None:
    """What code in a language not parsed here visibly does; it always leaves a doubt."""
    sink.doubt(f"{program} code is not parsed here: {code[:60]}")
    calls = _CALLS.get(language)
    if calls is None:
        return
    literal = _QUOTED.replace("{q}", "1")
    for category, names in calls.items():
        pattern = rf"(?<![\w$])(?:{names})\s*\(?\s*{literal}(?:\s*,\s*{_QUOTED.replace('{q}', '3')})?"
        for match in re.finditer(pattern, code):
            first, second = (_unescaped(g) if g is not None else None for g in (match.group(2), match.group(4)))
            if category == "shell":
                sink.shell(first, f"{program} {match.group(0).split('(')[0].strip()}(...)")
                continue
            for kind, target in zip(_KINDS[category], (first, second)):
                if target is not None:
                    sink.effect(kind, target)
    if language in _BACKTICK_LANGUAGES:
        for match in re.finditer(r"`([^`]*)`|%x\(([^)]*)\)|qx\(([^)]*)\)|qx\{([^}]*)\}", code):
            sink.shell(next(g for g in match.groups() if g is not None), f"{program} `...`")


def _unescaped(literal: str) -> str:
    """A string literal's text: the backslash escapes these languages share (\\', \\n, \\x2e, \\u002e)."""
    def one(match):
        code = match.group(1)
        if code[0] in "xu" and len(code) > 1:
            return chr(int(code[1:], 16))
        return {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(code, code)
    return re.sub(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|.)", one, literal, flags=re.S)


# --- PowerShell ------------------------------------------------------------------------
_PS_ALIASES = {
    "ri": "remove-item", "rm": "remove-item", "del": "remove-item", "erase": "remove-item", "rd": "remove-item",
    "rmdir": "remove-item", "mi": "move-item", "mv": "move-item", "move": "move-item", "rni": "rename-item",
    "ren": "rename-item", "cpi": "copy-item", "cp": "copy-item", "copy": "copy-item", "sc": "set-content",
    "ac": "add-content", "clc": "clear-content", "ni": "new-item", "md": "new-item", "mkdir": "new-item",
    "gci": "get-childitem", "ls": "get-childitem", "dir": "get-childitem", "gc": "get-content",
    "cat": "get-content", "type": "get-content", "gi": "get-item", "echo": "write-output", "write": "write-output",
    "sls": "select-string", "cd": "set-location", "sl": "set-location", "chdir": "set-location",
    "kill": "stop-process", "spps": "stop-process", "spsv": "stop-service", "iex": "invoke-expression",
    "icm": "invoke-command", "saps": "start-process", "start": "start-process", "iwr": "invoke-webrequest",
    "curl": "invoke-webrequest", "wget": "invoke-webrequest", "irm": "invoke-restmethod", "sp": "set-itemproperty",
    "cli": "clear-item", "tee": "tee-object",
}
_PS_KNOWN = {"remove-item", "move-item", "rename-item", "copy-item", "set-content", "add-content", "clear-content",
             "new-item", "get-childitem", "get-content", "get-item", "write-output", "write-host", "select-string",
             "set-location", "stop-process", "stop-service", "restart-service", "start-service", "test-path",
             "out-file", "tee-object", "invoke-expression", "invoke-webrequest", "invoke-restmethod",
             "get-service", "get-process", "get-date", "get-location", "resolve-path", "measure-object",
             "sort-object", "select-object", "where-object", "format-table", "format-list", "out-string",
             "convertto-json", "convertfrom-json", "out-null", "expand-archive", "compress-archive",
             "set-itemproperty", "clear-item", "start-process", "invoke-command"}
_PS_READS = {"get-childitem", "get-content", "get-item", "write-output", "write-host", "select-string", "test-path",
             "get-service", "get-process", "get-date", "get-location", "resolve-path", "measure-object",
             "sort-object", "select-object", "format-table", "format-list", "out-string", "convertto-json",
             "convertfrom-json", "out-null", "where-object"}
_PS_PATH_PARAMS = {"path", "literalpath", "destination", "filepath", "target", "destinationpath", "outfile"}
_PS_VALUE_PARAMS = _PS_PATH_PARAMS | {"value", "filter", "include", "exclude", "encoding", "itemtype", "name",
                                      "newname", "force:$true", "type", "uri", "method", "body", "property",
                                      "first", "last", "depth", "argumentlist", "credential", "displayname"}
_PS_TAKES_PIPELINE = {"remove-item", "move-item", "rename-item", "copy-item", "set-content", "add-content",
                      "clear-content", "stop-process", "stop-service", "invoke-expression", "out-file", "tee-object",
                      "set-itemproperty", "clear-item"}
_PS_UNREAD = re.compile(r"[$@{}\[\]()`]|(^|\s)[&.]\s")


def read_powershell(code: str, sink) -> None:
    """PowerShell statements mapped onto the programs the shell reader knows (``Remove-Item`` -> delete)."""
    if _PS_UNREAD.search(re.sub(r"'[^']*'", "''", code).replace("$null", "").replace("$true", "").replace(
            "$false", "")):
        sink.doubt(f"PowerShell code uses variables, script blocks or subexpressions: {code[:60]}")
    for statement in re.split(r"\s*(?:;|\n|&&|\|\|)\s*", code):
        previous: list[str] = []
        for stage in _ps_split(statement, "|"):
            previous = _ps_command(stage, previous, sink)


def _ps_split(text: str, separator: str) -> list[str]:
    parts, current, quote = [], [], None
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == separator:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _ps_words(text: str) -> list[str]:
    words = re.findall(r"""'(?:[^']|'')*'|"(?:[^"`]|`.)*"|[^\s'"]+""", text)
    out = []
    for word in words:
        if word.startswith("'"):
            out.append(word[1:-1].replace("''", "'"))
        elif word.startswith('"'):
            out.append(re.sub(r"`(.)", r"\1", word[1:-1]))
        else:
            out.append(re.sub(r"`(.)", r"\1", word))
    return out


def _ps_command(stage: str, piped: list[str], sink) -> list[str]:
    """Read one pipeline stage; returns the paths it names (what it passes on down the pipeline)."""
    redirect = re.search(r"\s(\*|\d)?>>?\s*(\S+)\s*$", " " + stage)
    if redirect:
        sink.effect("write", _ps_words(redirect.group(2))[0] if _ps_words(redirect.group(2)) else "")
        stage = (" " + stage)[:redirect.start()].strip()
    words = _ps_words(stage)
    if not words:
        return []
    name = words[0].lower().removesuffix(".exe")
    name = _PS_ALIASES.get(name, name)
    positional, named = [], []
    index = 1
    while index < len(words):
        word = words[index]
        if word.startswith("-") and len(word) > 1 and not re.fullmatch(r"-\d+", word):
            param = word[1:].split(":", 1)[0].lower()
            if param in _PS_VALUE_PARAMS and ":" not in word and index + 1 < len(words):
                if param in _PS_PATH_PARAMS:
                    named.append((param, words[index + 1]))
                index += 2
                continue
            index += 1
            continue
        positional.append(word)
        index += 1
    paths = positional + [value for param, value in named if param != "destination"]
    paths += [value for param, value in named if param == "destination"]
    if name not in _PS_KNOWN:
        sink.argv([name] + words[1:])  # a native program (rm.exe, git, python...) or an unknown cmdlet
        return paths
    if name in _PS_TAKES_PIPELINE and piped and not positional and not named:
        paths = piped + paths
    elif name in _PS_TAKES_PIPELINE and piped:
        sink.doubt(f"{words[0]} also acts on what the pipeline gives it")
    if name in ("invoke-expression", "invoke-command", "start-process"):
        sink.doubt(f"{words[0]} runs code it is given")
        if name == "invoke-expression" and positional:
            read_powershell(" ".join(positional), sink)
        return paths
    if name in _PS_READS:
        return paths
    if name in ("set-content", "add-content", "out-file", "tee-object") and not named and len(positional) > 1:
        paths = positional[:1]  # Set-Content PATH VALUE: the value is not a path
    if name in ("new-item", "set-content", "add-content") and not paths:
        sink.doubt(f"{words[0]} without a path")
    if name == "rename-item" and len(paths) == 2 and "/" not in paths[1] and "\\" not in paths[1]:
        parent = re.split(r"[\\/]", paths[0])[:-1]
        paths[1] = "/".join(parent + [paths[1]])
    sink.argv([name] + paths)
    return paths


# --- cmd.exe ---------------------------------------------------------------------------
_CMD_NAMES = {"rmdir": "rd", "erase": "del", "ren": "rename-item", "rename": "rename-item", "type": "cat",
              "md": "mkdir", "chdir": "cd", "move": "move", "copy": "copy", "dir": "dir", "echo": "echo"}


def read_cmd(code: str, sink) -> None:
    """``cmd /c`` text: ``^`` escapes, ``"`` quotes, ``&``/``&&``/``||``/``|``, redirections, ``%VAR%``."""
    if re.search(r"%[^%\s]+%|![^!\s]+!", code):
        sink.doubt(f"cmd code expands variables: {code[:60]}")
    if re.search(r"(^|[&|(]\s*)(for|if|call|start|goto)\b", code, re.I):
        sink.doubt(f"cmd code uses for/if/call/start: {code[:60]}")
    words, current, quoted, index = [], [], False, 0
    statements = []
    while index < len(code):
        char = code[index]
        if char == '"':
            quoted = not quoted
        elif char == "^" and not quoted and index + 1 < len(code):
            index += 1
            current.append(code[index])
        elif not quoted and char in "&|()\n":
            _cmd_word(words, current)
            statements.append(words)
            words, current = [], []
        elif not quoted and char in " \t":
            _cmd_word(words, current)
            current = []
        else:
            current.append(char)
        index += 1
    _cmd_word(words, current)
    statements.append(words)
    for statement in statements:
        _cmd_statement(statement, sink)


def _cmd_word(words: list, current: list) -> None:
    if current:
        words.append("".join(current))


def _cmd_statement(words: list[str], sink) -> None:
    argv, index = [], 0
    while index < len(words):
        word = words[index]
        redirect = re.match(r"^(\d?)(>>?)(.*)$", word)
        if redirect and not redirect.group(3).startswith("&"):
            target = redirect.group(3) or (words[index + 1] if index + 1 < len(words) else "")
            index += 1 if redirect.group(3) else 2
            sink.effect("write", target)
            continue
        argv.append(word)
        index += 1
    if not argv or argv[0].lower() in ("@echo", "echo", "rem", "set", "setlocal", "endlocal", "cls", "ver",
                                       "title", "pause", "exit"):
        return
    name = argv[0].lstrip("@").lower().removesuffix(".exe")
    sink.argv([_CMD_NAMES.get(name, name)] + argv[1:])
