# GENERATED from lib/omas/command_model.py by `python scripts/deploy.py vendor`: edit lib/, not this copy.
"""What the command reader works with: values, effects, what it found, and the shell state it follows.

Shared by the reader (``lib/omas/commands.py``), the programs it knows
(``lib/omas/programs.py``) and the inline-code readers
(``lib/omas/inline_code.py``), so none of them imports another's internals.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

#: files that are not files: writing to them changes nothing on disk
DEVICES = {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "nul", "con", "$null"}
_ROOTED = re.compile(r"^(/|~|[A-Za-z]:|\\)")
#: variables that change which program runs or what it loads: setting one makes later commands unknowable
RISKY_VARIABLES = {"PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "DYLD_INSERT_LIBRARIES", "BASH_ENV", "ENV",
                   "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONINSPECT", "NODE_OPTIONS", "NODE_PATH",
                   "PERL5OPT", "PERL5LIB", "PERLLIB", "RUBYOPT", "RUBYLIB", "GIT_SSH", "GIT_SSH_COMMAND",
                   "GIT_EXTERNAL_DIFF", "GIT_PAGER", "GIT_EDITOR", "GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_GLOBAL",
                   "GIT_CONFIG_SYSTEM", "GIT_CONFIG_PARAMETERS", "GIT_EXEC_PATH", "PAGER", "EDITOR", "VISUAL",
                   "PROMPT_COMMAND", "SHELLOPTS", "BASHOPTS", "PS4", "IFS", "CDPATH", "GLOBIGNORE"}


@dataclass(frozen=True)
class Value:
    """One word as the shell would pass it: ``text`` is exact when ``known``, else a best guess
    (the unknown parts as spelled). ``windows`` is the word read with its backslashes kept, when
    they were there: ``omas\\agents`` is ``omasagents`` to a POSIX shell, and ``omas/agents`` to
    Windows, which the model may have meant."""
    text: str
    known: bool = True
    windows: str | None = None

    @property
    def option(self) -> bool:
        return self.known and self.text.startswith("-") and self.text != "-"


@dataclass(frozen=True)
class Effect:
    """One thing a command does: ``kind`` (an action kind) on ``target``.

    A ``run`` effect is a program whose code the reader does not read (a
    script file, a build tool); ``handed`` are the operands it was given, so
    the judge can see when such a program is handed a protected folder.
    """
    kind: str
    target: str
    handed: tuple[str, ...] = ()


@dataclass
class Found:
    """Everything read so far: effects in order, and why the command is not fully understood."""
    effects: list[Effect] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)
    written: set[str] = field(default_factory=set)
    #: symbolic links the command makes: link -> what it points to (both as seen from the start)
    links: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, target: str, handed: tuple[str, ...] = ()) -> None:
        if target.strip().lower() in DEVICES:
            return
        if target.startswith("/dev/") and kind not in ("read", "run"):
            self.doubt(f"{kind}s the device {target}")
        for seen_as in [target] + self.through_links(target):
            effect = Effect(kind, seen_as, handed)
            if effect not in self.effects:
                self.effects.append(effect)
        if kind in ("write", "move", "install"):
            self.written.add(_normal(target))

    def link(self, name: str, points_to: str) -> None:
        """``ln -s points_to name``: later paths through ``name`` reach ``points_to``."""
        self.links[_normal(name)] = points_to if re.match(r"^(/|~)", points_to) else _normal(
            posixpath.join(posixpath.dirname(_normal(name)), points_to))

    def through_links(self, target: str) -> list[str]:
        path = _normal(target)
        return [pointed + path[len(link):] for link, pointed in self.links.items()
                if path == link or path.startswith(link + "/")]

    def doubt(self, reason: str) -> None:
        if reason not in self.doubts:
            self.doubts.append(reason)

    def assigned(self, name: str) -> None:
        """A variable is set: some change what every later program is or loads."""
        if name in RISKY_VARIABLES or name.startswith(("BASH_FUNC_", "LD_", "DYLD_")):
            self.doubt(f"sets {name}, which changes what later programs run or load")

    def wrote(self, path: str) -> bool:
        return _normal(path) in self.written


def _normal(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/"))


@dataclass
class Scope:
    """The shell state a command line changes as it runs: variables, functions, the folder it is in.

    ``env`` maps a name to its value (None: set to something unknown);
    names absent from it are unset here but may come from the environment.
    ``cwd`` is relative to where the command starts ('' there), None once unknown.
    """
    env: dict = field(default_factory=dict)
    functions: set = field(default_factory=set)
    cwd: str | None = ""
    depth: int = 0

    def child(self) -> "Scope":
        return Scope(dict(self.env), set(self.functions), self.cwd, self.depth + 1)

    def path(self, target: str) -> str:
        """``target`` as seen from where the command started (``cd`` followed)."""
        if not self.cwd or _ROOTED.match(target):
            return target
        return posixpath.join(self.cwd, target)

    def change_directory(self, value: Value | None) -> None:
        if value is None:
            self.cwd = "~"
        elif not value.known or self.cwd is None or value.text == "-":
            self.cwd = None
        else:
            self.cwd = self.path(value.text.replace("\\", "/"))
