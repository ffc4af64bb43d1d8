#extra_requirements:
#httpx==0.28.1
#httpx2==2.16.2
#huggingface-hub==2.4.0
#jsonschema==4.26.0
#llama-cpp-python==0.3.36
#ollama==0.6.3
#wmill==1.850.0

"""Show the status dashboard of the last health check, without probing anything.

Args:
    stack: The Phoenix stack resource (c_phoenix_stack); empty for the defaults, which describe a
        machine with nothing else running.
"""

from typing import Optional

from f.phoenix.lib.health.run import show_dashboard
from f.phoenix.lib.job import job
from f.phoenix.lib.stack import c_phoenix_stack


@job
def main(stack: Optional[c_phoenix_stack] = None):
    return show_dashboard(stack)
