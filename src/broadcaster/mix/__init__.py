"""Stage 4 of the flow, mix: clips and jingles → one levelled programme.

`timeline.py` places everything on the programme's timeline, `jingles.py`
makes the built-in signals, `loudness.py` measures and levels (BS.1770).
"""
