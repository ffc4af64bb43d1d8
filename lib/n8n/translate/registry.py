"""Which translation each n8n node gets: ``translate_node``.

In this order:

1. a disabled node passes its items through (as n8n skips it);
2. a **structural** translator, when one is registered for the type: entry points
   (triggers), loops (Split In Batches), Wait, Execute Workflow, Respond to Webhook,
   AI agents and chains folded into a router call. These make the flow's own
   structure and always apply (``@structural(<full type name>, ...)``,
   ``@structural_family(<predicate>)``);
3. a **native** data translator (``@translates(...)``), only where ``PROVEN_NATIVE``
   lists the type and version: a differential test in CI
   (``tests/n8n/test_native_vs_host.py``) runs every instance of it in the
   development corpus through n8n's engine and through the native step and finds
   the same output items; an instance the native step does not cover (it raises
   ``Untranslatable``) goes on to the host;
4. otherwise the **node host** runs n8n's own node (``host.py``), when the
   installed n8n-nodes-base has the type and version and its credentials map to
   Windmill resources;
5. otherwise a placeholder step that fails when run and says why: nothing is
   silently dropped.

Translators live in ``nodes/`` and ``../ai.py``;
``translators.py`` imports them all. To find where node type X is translated,
look for ``"X"`` in those modules.
"""

from __future__ import annotations

from typing import Callable, Optional

from ..expressions import Untranslatable
from ..workflow import Node
from .context import BASE, LANGCHAIN, NodeContext, NodeTranslation, Translator
from .host import host_problem, host_translation
from .steps import disabled_pass_through, placeholder

TRANSLATORS: dict[str, Translator] = {}                  # native data translators (used where proven)
STRUCTURAL: dict[str, Translator] = {}                   # entry points, loops, waits, sub-flows, AI folding
FAMILIES: list[tuple[Callable[[Node], bool], Translator]] = []  # structural, for whole families of types

# Native data translators proven equal to n8n's engine: full type name -> (lowest, highest) typeVersion.
# Each entry has its differential test (tests/n8n/test_native_vs_host.py runs every corpus instance).
PROVEN_NATIVE: dict[str, tuple[float, float]] = {
    BASE + "noOp": (1, 1),
    BASE + "limit": (1, 1),
    BASE + "renameKeys": (1, 1),
}


def translates(*types: str):
    """Register a native data translator for full node type names (used only where PROVEN_NATIVE says)."""
    def register(function: Translator) -> Translator:
        for node_type in types:
            TRANSLATORS[node_type] = function
        return function
    return register


def structural(*types: str):
    """Register a translator that builds the flow's structure for these types (always used)."""
    def register(function: Translator) -> Translator:
        for node_type in types:
            STRUCTURAL[node_type] = function
        return function
    return register


def structural_family(matches: Callable[[Node], bool]):
    """Register a structural translator for every node type ``matches`` accepts that has none of its own."""
    def register(function: Translator) -> Translator:
        FAMILIES.append((matches, function))
        return function
    return register


def proven_native(node: Node) -> bool:
    versions = PROVEN_NATIVE.get(node.type)
    return versions is not None and node.type in TRANSLATORS and versions[0] <= node.type_version <= versions[1]


def translate_node(ctx: NodeContext) -> NodeTranslation:
    """The node's translation (see the module docstring for the order); never raises Untranslatable."""
    node = ctx.node
    if node.disabled:
        return disabled_pass_through(ctx)
    translator = STRUCTURAL.get(node.type)
    if translator is None and proven_native(node):
        try:
            return TRANSLATORS[node.type](ctx)
        except Untranslatable:
            pass  # not an instance the native step covers exactly: n8n's own node runs it
    if translator is None:
        problem = host_problem(node)
        if problem is None:
            translator = _host
        else:
            translator = family_translator(node) or (lambda c: placeholder(c, _not_runnable(node, problem)))
    try:
        return translator(ctx)
    except Untranslatable as exc:
        return placeholder(ctx, str(exc))
    except (AttributeError, TypeError, ValueError, KeyError, OverflowError) as exc:
        # Parameters of a shape this translator does not know (a whole object given as one
        # expression, a list where n8n writes an object): this node only, never the whole file.
        return placeholder(ctx, f"its parameters have a shape the translator does not handle "
                                f"({type(exc).__name__}: {exc})")


def _host(ctx: NodeContext) -> NodeTranslation:
    return host_translation(ctx)


def _not_runnable(node: Node, problem: str) -> str:
    if node.type.startswith(LANGCHAIN) and _is_ai_sub_node(node.short_type):
        return (f"{problem} (AI sub-nodes run only folded into an agent or chain, which becomes a Phoenix "
                "router call)")
    return problem


def family_translator(node: Node) -> Optional[Translator]:
    return next((function for matches, function in FAMILIES if matches(node)), None)


def _is_ai_sub_node(short: str) -> bool:
    return short.startswith(("lmChat", "lm", "memory", "tool", "embeddings", "outputParser",
                             "textSplitter", "document", "retriever", "vectorStore", "reranker"))
