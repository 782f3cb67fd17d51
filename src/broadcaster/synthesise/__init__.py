"""Stage 3 of the flow, synthesise: cues → clips of speech.

`stage.py` runs it (cache first, then the engines, with item-level
fallback); `cache.py` is the durable segment cache; `engines/` holds the
engine interface, its registry and the built-in engines.
"""
