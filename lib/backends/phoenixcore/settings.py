"""PhoenixCore's entry of the stack: ``models.phoenixcore``."""

from __future__ import annotations

from typing import Optional

from ..common_settings import ContextSize, LocalModel


class PhoenixCoreModel(LocalModel):
    """``models.phoenixcore``: the operator's own quantized model; without a path, none."""

    path: Optional[str] = "models/quantized/PhoenixCore-4bit-Q5.gguf"
    n_ctx: ContextSize = 4096


#: the entry of the stack's models section this kind reads: models.<name>
ENTRY = ("phoenixcore", PhoenixCoreModel)
