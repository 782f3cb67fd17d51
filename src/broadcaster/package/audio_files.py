"""The audio packager: programme.mp3 and one MP3 per spoken item, measured as written."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from broadcaster.codec import codec_gain_db, decode_chunks, encode_mp3
from broadcaster.meter import LoudnessMeter, duplicated_channels_db
from broadcaster.model import LoudnessReport, Master


def _tags(package, title: str, track: str) -> dict[str, str]:
    programme = package.programme
    if package.profile.tags == "small":  # what cheap decoder chips show, nothing they might choke on
        return {"title": title, "track": track}
    return {
        "title": title, "artist": programme.station or "", "album": programme.title,
        "track": track, "date": programme.date.isoformat(), "genre": "Speech",
    }


class AudioPackager:
    """The programme and its items in one packager, so that they encode at
    once: each encoder is an ffmpeg process, the programme and the first item
    encode on both cores, and the programme file is measured (what was
    actually written, not the buffer it came from, a piece at a time as
    ffmpeg decodes it) while the other items encode. The encoder was loaded
    by the render before any thread started (see render.py)."""

    name = "audio"

    def write(self, package) -> None:
        master, profile, folder = package.master, package.profile, package.folder
        (folder / "items").mkdir(exist_ok=True)
        spoken = [s for s in master.items if s.spoken is not None]
        # Each encoder reads its own blocks of the master (on disk) as it goes.
        jobs = [(master.blocks(), folder / "programme.mp3", _tags(package, package.programme.title, "1/1"))]
        for number, span in enumerate(spoken, 1):
            jobs.append((master.blocks(*master.sample_range(span)), folder / package.item_files[span.plan.item.index],
                         _tags(package, span.plan.title, f"{number}/{len(spoken)}")))
        with ThreadPoolExecutor(2) as pool:
            encoded = [pool.submit(encode_mp3, *job, master.rate_hz, profile.bitrate, channels=profile.channels,
                                   xing=profile.tags != "small") for job in jobs]
            encoded[0].result()
            measure_programme(package)
            codec_db = codec_gain_db(profile.bitrate, master.rate_hz, profile.channels)  # measured once, cached
            package.item_loudness = item_loudness(master, codec_db, profile.channels)
            for job in encoded[1:]:
                job.result()


class ProgrammeAudioPackager:
    """programme.mp3 alone, measured as written: for a render whose one
    product is that file (an urgent notice, broadcaster/urgent.py), where the
    item files, the programme sheet and the rest would only cost seconds."""

    name = "programme-audio"

    def write(self, package) -> None:
        master, profile = package.master, package.profile
        encode_mp3(master.blocks(), package.folder / "programme.mp3", _tags(package, package.programme.title, "1/1"),
                   master.rate_hz, profile.bitrate, channels=profile.channels, xing=profile.tags != "small")
        measure_programme(package)


def measure_programme(package) -> None:
    """The written programme.mp3's loudness and duration into `package`.
    Measured as written: a stereo file on both channels (a downmix would read its peaks 3 dB high)."""
    master, profile = package.master, package.profile
    meter = LoudnessMeter(master.rate_hz, channels=profile.channels)
    for piece in decode_chunks(package.folder / "programme.mp3", master.rate_hz, channels=profile.channels):
        meter.feed(piece)
    package.loudness = LoudnessReport(meter.integrated_lufs(), meter.true_peak_dbtp(), package.gain_db,
                                      meter.loudness_range_lu())
    package.duration_s = meter.samples_seen / master.rate_hz


def item_loudness(master: Master, codec_db: float, channels: int = 1) -> dict[int, LoudnessReport]:
    """Item index → integrated loudness, loudness range and true peak of each
    item with sound (not pauses), measured on the levelled master the files
    were cut from, plus the encoder's level change (`codec_db`, negative)
    and, for files with the programme on `channels` channels, their added
    loudness, so that they read as the written files would."""
    on_channels_db = duplicated_channels_db(channels)
    out = {}
    for span in master.items:
        meter, sound = LoudnessMeter(master.rate_hz), False
        for block in master.blocks(*master.sample_range(span)):
            meter.feed(block)
            sound = sound or bool(np.any(block))
        if not sound:
            continue
        out[span.plan.item.index] = LoudnessReport(meter.integrated_lufs() + codec_db + on_channels_db,
                                                   meter.true_peak_dbtp() + codec_db,
                                                   0.0, meter.loudness_range_lu())
    return out
