"""The spoken Security Key, for readers who cannot see the picture: answer in, WAV bytes out.

espeak-ng (Debian package espeak-ng) spells the key one character at a time, each in its own
pitch and speed, with uneven pauses, in a voice drawn per reading; the whole key is said twice
over a bed of soft noise. The noise and the variation are there so the clip is not one fixed
waveform per character that a bot could match sample for sample; they stay quiet enough that a
listener hears every character.
"""

from __future__ import annotations

import array
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import wave

from PIL import Image, ImageFilter, ImageMath

from .image import ALPHABET

RATE = 22050  # espeak-ng's own rate
OUT_RATE = RATE // 2  # speech needs nothing above 5.5 kHz; halves the download
VOICES = ("en-gb", "en-us")
VARIANTS = ("m1", "m3", "f2", "f4")
TIMEOUT_SECONDS = 10


class CaptchaAudioUnavailable(RuntimeError):
    """espeak-ng is missing or failed: the page should offer the picture only."""


def audio_available() -> bool:
    """Whether this machine can speak the key (espeak-ng on the PATH): the widget offers the
    audio link only then, and says why not otherwise."""
    return shutil.which("espeak-ng") is not None


def _espeak() -> str:
    path = shutil.which("espeak-ng")
    if not path:
        raise CaptchaAudioUnavailable(
            "The spoken Security Key needs espeak-ng (Debian package espeak-ng)."
        )
    return path


def _ssml(answer: str, rng: random.Random) -> str:
    """Each character spelt on its own, in its own pitch and speed, after an uneven pause."""
    parts = []
    for char in answer:
        parts.append(
            f'<prosody pitch="{rng.randint(-25, 25):+d}%" rate="{rng.randint(80, 110)}%">'
            f'<say-as interpret-as="characters">{char}</say-as></prosody>'
            f'<break time="{rng.randint(450, 800)}ms"/>'
        )
    return "<speak>" + "".join(parts) + "</speak>"


def _speak(ssml: str, rng: random.Random) -> array.array:
    """16-bit mono samples at RATE of espeak-ng reading `ssml`."""
    voice = f"{rng.choice(VOICES)}+{rng.choice(VARIANTS)}"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "say.wav")
        try:
            # A fixed argv, no shell; the only outside text is the SSML we build from ALPHABET.
            subprocess.run(  # noqa: S603
                [
                    _espeak(),
                    "-m",
                    "-v",
                    voice,
                    "-s",
                    str(rng.randint(120, 150)),
                    "-p",
                    str(rng.randint(35, 65)),
                    "-w",
                    out,
                    "--",
                    ssml,
                ],
                check=True,
                capture_output=True,
                timeout=TIMEOUT_SECONDS,
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
    """Without espeak-ng's leading and trailing silence."""
    start, end = 0, len(samples)
    while start < end and abs(samples[start]) <= floor:
        start += 1
    while end > start and abs(samples[end - 1]) <= floor:
        end -= 1
    return samples[start:end] if end > start else samples


def render_audio(answer: str, *, rng: random.Random | None = None) -> bytes:
    """WAV bytes (16-bit mono, 11025 Hz) speaking `answer` character by character, twice."""
    if not answer or any(c not in ALPHABET for c in answer):
        raise ValueError(f"A Security Key answer uses only {ALPHABET!r}, got {answer!r}.")
    rng = rng or random.SystemRandom()
    clip = array.array("h", bytes(2 * int(RATE * 0.5)))
    for repeat in range(2):
        clip.extend(_trim(_speak(_ssml(answer, rng), rng)))
        clip.extend(array.array("h", bytes(2 * int(RATE * (1.0 if repeat == 0 else 0.5)))))
    # Pillow does the per-sample arithmetic in C: the clip is a one-row float image.
    if sys.byteorder == "big":
        clip.byteswap()
    n = len(clip)
    speech = Image.frombytes("F", (n, 1), clip.tobytes(), "raw", "F;16S")
    # Averaging pairs of samples is a (crude) low-pass before halving the rate.
    speech = speech.reduce((2, 1))
    white = Image.frombytes("L", (n // 2, 1), rng.randbytes(n // 2)).convert("F")
    rumble = (
        Image.frombytes("L", (n // 2, 1), rng.randbytes(n // 2))
        .filter(ImageFilter.GaussianBlur(rng.uniform(3, 6)))
        .convert("F")
    )
    # Soft white and low rumble noise: masks nothing a listener needs, but no two clips of the
    # same key are the same samples.
    white_level, rumble_level = rng.uniform(3, 6), rng.uniform(40, 70)
    mixed = ImageMath.lambda_eval(
        lambda e: e["min"](
            e["max"](
                e["s"] * 0.9 + (e["w"] - 127.5) * white_level + (e["r"] - 127.5) * rumble_level,
                -32768.0,
            ),
            32767.0,
        ),
        s=speech,
        w=white,
        r=rumble,
    )
    out = array.array("h", map(int, array.array("f", mixed.tobytes())))
    if sys.byteorder == "big":
        out.byteswap()
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(OUT_RATE)
        w.writeframes(out.tobytes())
    return buffer.getvalue()
