"""Stage 4 of the flow, mix: clips and jingles → one levelled programme.

`timeline.py` places everything on the programme's timeline, `jingles.py`
makes the built-in signals and checks jingle files, `beds.py` adds music
beds ducked under the speech, `horn.py` is the horn-loudspeaker chain, and
`loudness.py` levels and limits (BS.1770).
"""
