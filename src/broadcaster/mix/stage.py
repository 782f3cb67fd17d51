"""The mix stage: clips, jingles and music beds → the levelled `Master`.

Places every item on the timeline, lets go of the clips' own audio, adds the
music beds ducked under the speech (`beds.py`), runs the profile's
processing (`horn.py` for horn loudspeakers), and levels the programme to the profile's loudness target and true-peak ceiling
*as the MP3 will measure*: the encoder changes the level slightly, by an
amount measured once on a tone (`codec.codec_gain_db`), which the caller
hands in as a function so that it can be measured on a side thread while
the speech is synthesised.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from broadcaster.memory import return_free_memory
from broadcaster.mix.beds import mix_beds
from broadcaster.mix.horn import horn_chain
from broadcaster.mix.loudness import normalise
from broadcaster.mix.timeline import build_master
from broadcaster.model import ItemPlan, LoudnessReport, Master, Programme, SpokenItem
from broadcaster.profiles import SoundProfile


def mix(plans: list[ItemPlan], spoken_items: list[SpokenItem], jingles: dict[int, np.ndarray], programme: Programme,
        profile: SoundProfile, codec_gain_db: Callable[[], float],
        beds: dict[Path, np.ndarray] | None = None) -> tuple[Master, LoudnessReport]:
    """The levelled master and the levelling report (its true peak is left to
    the package stage, which measures the written file)."""
    master = build_master(plans, {s.plan.item.index: s for s in spoken_items}, jingles, programme.pauses,
                          profile.rate_hz, profile.lead_in_s, profile.tail_s)
    # Every clip is in the master now: their own copies (~90 MB for eight
    # minutes) would only raise the peak while encoding.
    for spoken in spoken_items:
        spoken.drop_audio()
    return_free_memory()
    mix_beds(master, programme, beds or {})
    if profile.processing == "horn":
        horn_chain(master.samples, master.rate_hz)
    # Aim the buffer so that the *MP3* lands on target.
    codec_db = -codec_gain_db()
    samples, levelled = normalise(master.samples, master.rate_hz, profile.target_lufs + codec_db,
                                  profile.ceiling_dbtp + codec_db, measure_peak=False, in_place=True)
    return Master(samples, master.rate_hz, master.items), levelled
