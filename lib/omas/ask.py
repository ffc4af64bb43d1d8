"""The one place the OMAS agents reach a model: the router, with the agent's preferences.

Every agent call goes through ``ask`` so that the agent's definition (router
inputs, sampling, system prompt, rules) is applied the same way everywhere,
and so that tests can stand in for the model at exactly this boundary.
"""

from __future__ import annotations

from ..router.core import route
from .agents import Agent


def ask(agent: Agent, prompt: str, stack, *, json_schema: dict | None, prefer: list[str] | None = None,
        mode: str = "text", report_as: str | None = None, temperature: float | None = None) -> dict:
    """Route ``prompt`` for ``agent``; returns the router's result (answer, json, trace...)."""
    system = f"{agent.system_prompt}\n\n{agent.rules_prompt()}"
    return route(prompt, stack, task_type=agent.task_type, complexity=agent.complexity, priority=agent.priority,
                 mode=mode, agent=report_as or agent.name, system=system, json_schema=json_schema,
                 max_tokens=agent.max_tokens,
                 temperature=agent.temperature if temperature is None else temperature,
                 workflow_type="windmill", prefer=list(prefer or agent.prefer))

