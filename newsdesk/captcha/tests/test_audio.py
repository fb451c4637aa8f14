import array
import io
import random
import shutil
import sys
import wave

import pytest

from newsdesk.captcha import audio
from newsdesk.captcha.audio import CaptchaAudioUnavailable, render_audio

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (Debian: espeak-ng)"
)


def _samples(wav: bytes) -> tuple[wave._wave_params, array.array]:
    with wave.open(io.BytesIO(wav), "rb") as w:
        params = w.getparams()
        samples = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    return params, samples


def _rms(samples) -> float:
    return (sum(s * s for s in samples) / max(1, len(samples))) ** 0.5


@needs_espeak
def test_render_audio_returns_a_mono_16_bit_wav():
    params, samples = _samples(render_audio("K3CE9W", rng=random.Random(1)))
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 2, audio.OUT_RATE)
    seconds = len(samples) / params.framerate
    # Six characters said twice, with pauses: long enough to follow, short enough to sit through.
    assert 6 < seconds < 25


@needs_espeak
def test_longer_keys_give_longer_clips():
    short = _samples(render_audio("AHKMN", rng=random.Random(2)))[1]
    long = _samples(render_audio("AHKMNAHKMN", rng=random.Random(2)))[1]
    assert len(long) > len(short) * 1.4


@needs_espeak
def test_speech_stands_well_above_the_noise():
    params, samples = _samples(render_audio("WXY39", rng=random.Random(3)))
    rate = params.framerate
    lead = samples[: int(rate * 0.4)]  # the clip opens with half a second of noise alone
    window = int(rate * 0.2)
    loudest = max(_rms(samples[i : i + window]) for i in range(0, len(samples) - window, window))
    assert _rms(lead) > 0  # there is noise
    assert loudest > 4 * _rms(lead)


@needs_espeak
def test_same_key_sounds_different_with_different_rngs():
    assert render_audio("AHKMN", rng=random.Random(1)) != render_audio(
        "AHKMN", rng=random.Random(2)
    )


def test_keys_outside_the_alphabet_are_refused():
    with pytest.raises(ValueError):
        render_audio("K3CE0")
    with pytest.raises(ValueError):
        render_audio("")


def test_missing_espeak_raises_a_clear_error(monkeypatch):
    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    with pytest.raises(CaptchaAudioUnavailable, match="espeak-ng"):
        render_audio("AHKMN", rng=random.Random(1))
