"""The spoken Security Key, for readers who cannot see the picture: answer in, WAV bytes out.

espeak-ng (Debian package espeak-ng) speaks each character on its own, in a voice, pitch and
speed drawn per character, with uneven pauses; the whole key is said twice over a bed of soft
noise. The noise and the variation are there so the clip is not one fixed waveform per
character that a bot could match sample for sample; they stay quiet enough that a listener
hears every character.
"""

from __future__ import annotations

import array
import io
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import wave

from .image import ALPHABET

RATE = 22050  # espeak-ng's own rate
OUT_RATE = RATE // 2  # speech needs nothing above 5.5 kHz; halves the download
VOICES = ("en-gb", "en-us")
VARIANTS = ("m1", "m3", "f2", "f4")
TIMEOUT_SECONDS = 10


class CaptchaAudioUnavailable(RuntimeError):
    """espeak-ng is missing or failed: the page should offer the picture only."""


def _espeak() -> str:
    path = shutil.which("espeak-ng")
    if not path:
        raise CaptchaAudioUnavailable(
            "The spoken Security Key needs espeak-ng (Debian package espeak-ng)."
        )
    return path


def _speak(text: str, rng: random.Random) -> array.array:
    """16-bit mono samples at RATE of espeak-ng saying `text`."""
    voice = f"{rng.choice(VOICES)}+{rng.choice(VARIANTS)}"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "say.wav")
        try:
            subprocess.run(
                [_espeak(), "-v", voice, "-s", str(rng.randint(120, 150)),
                 "-p", str(rng.randint(30, 70)), "-w", out, "--", text],
                check=True, capture_output=True, timeout=TIMEOUT_SECONDS,
            )
            with wave.open(out, "rb") as w:
                if w.getsampwidth() != 2 or w.getnchannels() != 1 or w.getframerate() != RATE:
                    raise CaptchaAudioUnavailable("espeak-ng wrote an unexpected WAV format.")
                samples = array.array("h", w.readframes(w.getnframes()))
        except (subprocess.SubprocessError, OSError, wave.Error) as exc:
            raise CaptchaAudioUnavailable(f"espeak-ng could not speak the key: {exc}") from exc
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def _trim(samples: array.array, floor: int = 300) -> array.array:
    loud = [i for i, s in enumerate(samples) if abs(s) > floor]
    return samples[loud[0] : loud[-1] + 1] if loud else samples


def render_audio(answer: str, *, rng: random.Random | None = None) -> bytes:
    """WAV bytes (16-bit mono, 11025 Hz) speaking `answer` character by character, twice."""
    if not answer or any(c not in ALPHABET for c in answer):
        raise ValueError(f"A Security Key answer uses only {ALPHABET!r}, got {answer!r}.")
    rng = rng or random.SystemRandom()
    clip = array.array("h", bytes(2 * int(RATE * 0.5)))
    for repeat in range(2):
        for char in answer:
            clip.extend(_trim(_speak(char, rng)))
            clip.extend(array.array("h", bytes(2 * int(RATE * rng.uniform(0.45, 0.8)))))
        if repeat == 0:
            clip.extend(array.array("h", bytes(2 * RATE)))
    # Soft brown-ish noise plus a slow hum whose pitch wanders: masks nothing a person needs.
    level = rng.uniform(600, 1100)
    hum_freq, hum_phase = rng.uniform(90, 180), rng.uniform(0, 2 * math.pi)
    walk = 0.0
    gauss = rng.gauss
    out = array.array("h")
    for i in range(0, len(clip) - 1, 2):
        s = (clip[i] + clip[i + 1]) / 2  # averaging pairs: a crude low-pass before halving
        walk = 0.97 * walk + gauss(0, 1)
        noise = level * (0.25 * walk + 0.35 * gauss(0, 1))
        noise += 0.4 * level * math.sin(hum_freq * 2 * math.pi * i / RATE + hum_phase)
        out.append(max(-32768, min(32767, int(s * 0.9 + noise))))
    if sys.byteorder == "big":
        out.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(OUT_RATE)
        w.writeframes(out.tobytes())
    return buffer.getvalue()
