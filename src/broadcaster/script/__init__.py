"""Stage 1 of the flow, script: a YAML file → a checked `model.Programme`.

    >>> from broadcaster.script import load_script
    >>> programme = load_script("examples/morning.yaml")  # doctest: +SKIP
"""
from broadcaster.script.load import load_script, parse_script

__all__ = ["load_script", "parse_script"]
