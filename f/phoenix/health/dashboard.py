"""Show the status dashboard of the last health check, without probing anything."""

from typing import Optional

from f.phoenix.lib.health.run import show_dashboard
from f.phoenix.lib.stack import c_phoenix_stack


def main(stack: Optional[c_phoenix_stack] = None):
    return show_dashboard(stack)
