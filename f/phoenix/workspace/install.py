#extra_requirements:
#jsonschema==4.26.0
#wmill==1.850.0

"""Install Roo Code's Phoenix orchestrator mode, its MCP tools and the seed's VS Code workspace.

The mode (.roomodes, rules in .roo/rules-phoenix-orchestrator/) is written from
the stack: its models, the OMAS council, the ports, the preservation rules and
the orchestrator response format. .roo/mcp.json gets Windmill's MCP server
(the token only as an environment reference); .vscode/settings.json and
tasks.json get the seed's entries and tasks. Every entry the operator has, and
every comment, stays; a dry run by default.
"""

from typing import Literal, Optional

from f.phoenix.lib.job import job
from f.phoenix.lib.stack import c_phoenix_stack
from f.phoenix.lib.workspace.install import run_install


@job
def main(
    action: Literal["plan", "apply", "uninstall", "plan_uninstall"] = "plan",
    stack: Optional[c_phoenix_stack] = None,
    mcp_token_env: str = "PHOENIX_MCP_TOKEN",
    phoenix_dir: str = "",
    stack_file: str = "",
):
    """Install Roo Code's Phoenix orchestrator, its MCP tools and the seed's VS Code workspace.

    Args:
        action: plan (default) writes nothing and shows the unified diff of every file; apply writes it, after a verified backup of .roo/ (a second apply finds nothing to change); uninstall removes only what Phoenix added, restoring files it has not seen changed byte for byte; plan_uninstall shows that without writing.
        stack: the stack (root folder, services, models, agents); empty for $PHOENIX_STACK or the defaults.
        mcp_token_env: the NAME of the environment variable holding a Windmill token with an mcp scope, written into .roo/mcp.json as ${env:NAME}; never the token itself.
        phoenix_dir: the Phoenix checkout the VS Code tasks run from; empty for the checkout this runs from, or ${env:PHOENIX_HOME} inside Windmill.
        stack_file: the stack YAML file the VS Code tasks pass to scripts/run.py --stack; empty for $PHOENIX_STACK or the defaults.
    """
    return run_install(stack, action, mcp_token_env=mcp_token_env, phoenix_dir=phoenix_dir, stack_file=stack_file)
