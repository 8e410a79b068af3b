"""The key behind PII tokens. It comes from the environment and is never logged or shown."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dagster as dg

from assets.common.pii import Tokenizer


class PiiKey(dg.ConfigurableResource):
    key: str

    def tokenizer(self) -> Tokenizer:
        return Tokenizer(self.key.encode("utf-8"))


def ensure_local_pii_key(local_dir: Path) -> None:
    """The embedded default needs no set-up: without PLATFORM_PII_KEY, a random key is made once
    for this machine, kept owner-only beside the local lake (so tokens stay stable across
    restarts), and exported, so the resource reads it through EnvVar like production does
    and the UI shows the variable's name, never the key."""
    if os.environ.get("PLATFORM_PII_KEY"):
        return
    path = local_dir / "pii.key"
    if not path.exists():
        local_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    os.environ["PLATFORM_PII_KEY"] = path.read_text().strip()
