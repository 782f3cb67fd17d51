"""The mix stage: clips, jingles and music beds → the levelled `Master`.

Two passes over the programme, a block at a time, with the programme kept
on disk in between (`PcmFile`): an hour is 635 MB of float32, which no
longer has to fit in memory next to everything else.

1. *Make*: each 6 s block is filled with the clips and jingles that lie in
   it (`timeline.Layout`) and the music beds ducked under the speech
   (`beds.py`); then, on two side threads, the profile's processing filters
   it (`horn.py` for horn loudspeakers), the K-weighted energy of every
   10 ms frame is kept (`loudness.LoudnessEstimate`) and the block is written out. The filters need no state from
   the block before (`filters.BlockFilter`), so blocks go to whichever
   thread is free.
2. *Level*: the compressor's gain (which needs the whole programme's
   levels) and the gain to the loudness target (known from those frames,
   `loudness.level`) are applied with the true-peak limiter as each block
   is read back and rewritten.

The target is aimed *as the MP3 will measure*: the encoder changes the level
slightly, by an amount measured once on a tone (`codec.codec_gain_db`),
which the caller hands in as a function so that it can be measured on a
side thread while the speech is synthesised.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from broadcaster.memory import return_free_memory
from broadcaster.meter import duplicated_channels_db, warm_up
from broadcaster.mix.beds import bed_layers
from broadcaster.mix.horn import HornChain, block_length
from broadcaster.mix.loudness import LoudnessEstimate, level
from broadcaster.mix.side_worker import SideWorker
from broadcaster.mix.timeline import lay_out
from broadcaster.model import ItemPlan, LoudnessReport, Master, Programme, SpokenItem
from broadcaster.pcm_file import PcmFile
from broadcaster.profiles import SoundProfile


def mix(plans: list[ItemPlan], spoken_items: list[SpokenItem], jingles: dict[int, np.ndarray], programme: Programme,
        profile: SoundProfile, codec_gain_db: Callable[[], float],
        beds: dict[Path, np.ndarray] | None = None, scratch_dir: Path | None = None) -> tuple[Master, LoudnessReport]:
    """The levelled master (its samples in a scratch file in `scratch_dir`:
    close the master when done) and the levelling report (its true peak is
    left to the package stage, which measures the written file)."""
    rate = profile.rate_hz
    layout = lay_out(plans, {s.plan.item.index: s for s in spoken_items}, jingles, programme.pauses,
                     rate, profile.lead_in_s, profile.tail_s)
    layers = bed_layers(layout.items, layout.duration_s, programme, beds or {}, rate)
    warm_up(rate)  # every library and table the side threads use, loaded here first
    n = layout.n_samples
    block = block_length(rate)
    horn = HornChain(rate, n) if profile.processing == "horn" else None
    estimate = LoudnessEstimate(rate, n)
    history = (horn.history if horn else 0) + estimate.history
    audio = PcmFile(n, scratch_dir)
    try:
        def finish(start: int, ext: np.ndarray, lead: int) -> None:
            """Filter one block (`ext`: the programme from `start - lead` to the
            block's end, unfiltered), estimate its loudness, write it out."""
            if horn is not None:
                ext = horn.filter(ext, lead, start)
            estimate.add(ext, lead, start)
            audio.write(start, ext[lead:])

        # Made here in order (clips are resampled as the blocks reach them);
        # filtered, measured and written on two side threads, in any order.
        with SideWorker(threads=2) as side:
            tail = np.zeros(0, dtype=np.float32)  # the unfiltered samples just before this block
            for start in range(0, n, block):
                # The block is made in place after the samples before it, not copied there.
                ext = np.empty(len(tail) + min(block, n - start), dtype=np.float32)
                ext[: len(tail)] = tail
                piece = ext[len(tail) :]
                piece.fill(0.0)
                layout.render_into(piece, start)
                for layer in layers:
                    layer.add_to(piece, start)
                side.submit(finish, start, ext, len(tail))
                tail = ext[max(0, len(ext) - history) :]
        # Every clip is in the file now: their own copies (~90 MB for eight
        # minutes) would only raise the peak while levelling and encoding.
        layout.placed.clear()
        for spoken in spoken_items:
            spoken.drop_audio()
        return_free_memory()
        # Aim so that the *MP3* lands on target: after the encoder's level
        # change, and on as many channels as the profile writes.
        codec_db = -codec_gain_db()
        target_lufs = profile.target_lufs - duplicated_channels_db(profile.channels) + codec_db
        levelled = level(audio, rate, target_lufs, profile.ceiling_dbtp + codec_db,
                         k_frame_ms=estimate.frame_ms,
                         curve=horn.gain_curve() if horn is not None else None)
    except BaseException:
        audio.close()
        raise
    return Master(audio, rate, layout.items), levelled

