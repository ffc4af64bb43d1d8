"""Which translator handles which n8n node type: ``TRANSLATORS`` and ``translate_node``.

Translators register themselves with ``@translates(<full type name>, ...)``
(or ``@translates_family(<predicate>)`` for a whole family, such as service
triggers) in the modules of ``nodes/``, ``../services.py`` and ``../ai.py``;
``translators.py`` imports them all. To find where node type X is translated,
look for ``"X"`` in those modules; to add one, add a function there.

A node nobody can translate becomes a placeholder step that fails when run
and says why: nothing is silently dropped.
"""

from __future__ import annotations

from typing import Callable, Optional

from ..expressions import Untranslatable
from ..workflow import Node
from .context import LANGCHAIN, NodeContext, NodeTranslation, Translator
from .steps import disabled_pass_through, placeholder

TRANSLATORS: dict[str, Translator] = {}
FAMILIES: list[tuple[Callable[[Node], bool], Translator]] = []


def translates(*types: str):
    """Register a translator for full node type names."""
    def register(function: Translator) -> Translator:
        for node_type in types:
            TRANSLATORS[node_type] = function
        return function
    return register


def translate_node(ctx: NodeContext) -> NodeTranslation:
    """The registered translator, a family fallback, or a placeholder; never raises Untranslatable."""
    if ctx.node.disabled:
        return disabled_pass_through(ctx)
    translator = TRANSLATORS.get(ctx.node.type) or family_translator(ctx.node)
    if translator is None:
        return placeholder(ctx, f"no translation exists for node type {ctx.node.type}")
    try:
        return translator(ctx)
    except Untranslatable as exc:
        return placeholder(ctx, str(exc))
    except (AttributeError, TypeError, ValueError, KeyError, OverflowError) as exc:
        # Parameters of a shape this translator does not know (a whole object given as one
        # expression, a list where n8n writes an object): this node only, never the whole file.
        return placeholder(ctx, f"its parameters have a shape the translator does not handle "
                                f"({type(exc).__name__}: {exc})")


def translates_family(matches: Callable[[Node], bool]):
    """Register a translator for every node type ``matches`` accepts that has none of its own."""
    def register(function: Translator) -> Translator:
        FAMILIES.append((matches, function))
        return function
    return register


def family_translator(node: Node) -> Optional[Translator]:
    if node.type.startswith(LANGCHAIN) and _is_ai_sub_node(node.short_type):
        return lambda ctx: placeholder(ctx, f"no translation exists for the AI node type {ctx.node.type} "
                                            "(only agents and LLM chains are folded into a router call)")
    return next((function for matches, function in FAMILIES if matches(node)), None)


def _is_ai_sub_node(short: str) -> bool:
    return short.startswith(("lmChat", "lm", "memory", "tool", "embeddings", "outputParser",
                             "textSplitter", "document", "retriever", "vectorStore", "reranker"))

