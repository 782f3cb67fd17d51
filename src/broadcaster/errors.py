"""One base exception, one subclass per stage.

The CLI catches `BroadcasterError` once: `InputError` (bad script, bad text,
missing file) exits 2, everything else exits 1.
"""
from __future__ import annotations


class BroadcasterError(Exception):
    """Base of every error the CLI reports as one line."""

    exit_code = 1


class InputError(BroadcasterError):
    """The user's input is wrong: exit status 2.

    `where` names the place, e.g. ``script.yaml:12: items[3].pause``.
    """

    exit_code = 2

    def __init__(self, message: str, where: str | None = None):
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class ScriptError(InputError):
    """The YAML script is invalid."""


class TextError(InputError):
    """A text or article cannot be read or has nothing to say."""


class SynthesisError(BroadcasterError):
    """An engine failed to produce speech (after its own retries)."""


class AudioError(BroadcasterError):
    """Decoding, mixing or encoding audio failed."""


class FallbackUsed(BroadcasterError):
    """Raised in --strict mode when any item had to fall back to another engine."""
