"""The tool's own RSA keys: generated once, kept in a file readable by its owner only.

The newest key signs (deep-linking responses, client assertions); every key in the file is
published at /lti/jwks, so a platform that cached the old one keeps verifying during a rotation.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey

from grader.lti.errors import LtiError

__all__ = ["KEY_FILE_NAME", "ToolKeys", "default_key_file"]

#: The key file's name beside the service's secret file.
KEY_FILE_NAME = "lti-keys.json"
#: Keys kept after a rotation: the new one and the one before it.
_KEPT = 2


def default_key_file(secret_file: Path | None) -> Path | None:
    """Where the tool's keys live by default: beside `--secret-file`; None without one."""
    return None if secret_file is None else secret_file.resolve().parent / KEY_FILE_NAME


def _new_key() -> RSAKey:
    key: RSAKey = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, private=True)
    key.ensure_kid()  # the RFC 7638 thumbprint
    return key


def _write_private(path: Path, keys: list[RSAKey]) -> None:
    """Write the key file atomically, mode 0600 from its creation (never readable by others)."""
    text = json.dumps({"keys": [key.as_dict(private=True) for key in keys]}, indent=1)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)


@dataclass(frozen=True)
class ToolKeys:
    """The tool's key pairs, oldest first; the last one signs."""

    path: Path
    keys: tuple[RSAKey, ...]

    @classmethod
    def load(cls, path: Path, *, create: bool = True) -> ToolKeys:
        """Read the key file; with `create`, make it (one new key, mode 0600) when it does not exist."""
        if not path.exists():
            if not create:
                raise LtiError(f"{path}: no such key file (`grade serve` or `grade lti rotate-key` makes it)")
            try:
                _write_private(path, [_new_key()])
            except OSError as error:
                raise LtiError(f"{path}: cannot write the tool's key file: {error.strerror}") from None
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            keys = tuple(RSAKey.import_key(entry) for entry in data["keys"])
        except OSError as error:
            raise LtiError(f"{path}: cannot read the tool's key file: {error.strerror}") from None
        except (ValueError, KeyError, TypeError) as error:
            raise LtiError(f"{path}: not a key file of the LTI tool ({error})") from None
        if not keys or not all(key.is_private for key in keys):
            raise LtiError(f"{path}: keys: expected one or more private RSA keys")
        return cls(path, keys)

    @property
    def signing(self) -> RSAKey:
        return self.keys[-1]

    @property
    def kid(self) -> str:
        kid = self.signing.kid
        assert kid is not None
        return kid

    def jwks(self) -> dict[str, Any]:
        """The public keys, as /lti/jwks serves them."""
        return {"keys": [{**key.as_dict(private=False), "use": "sig", "alg": "RS256"} for key in self.keys]}

    def rotate(self) -> ToolKeys:
        """Add a new signing key, keeping the previous one published; older ones are dropped."""
        keys = [*self.keys, _new_key()][-_KEPT:]
        try:
            _write_private(self.path, keys)
        except OSError as error:
            raise LtiError(f"{self.path}: cannot write the tool's key file: {error.strerror}") from None
        return ToolKeys(self.path, tuple(keys))
