"""Writes oncall_desktop/resources/sounds/page.wav: a short two-tone chime for a new page (run once; the WAV is committed).

Why generated: no licence questions, and a tone that cuts through without
being a siren — 880 Hz then 1320 Hz, 0.18 s each with soft edges, 16-bit mono.
"""
from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22_050


def tone(freq: float, seconds: float, volume: float = 0.45) -> list[int]:
    count = int(RATE * seconds)
    fade = int(RATE * 0.02)
    out = []
    for i in range(count):
        edge = min(1.0, i / fade, (count - i) / fade)
        out.append(int(32767 * volume * edge * math.sin(2 * math.pi * freq * i / RATE)))
    return out


def main() -> None:
    samples = tone(880, 0.18) + [0] * int(RATE * 0.04) + tone(1320, 0.18)
    # installed with the package (pyproject package-data) and bundled by pyinstaller.spec
    path = Path(__file__).resolve().parents[2] / "oncall_desktop" / "resources" / "sounds" / "page.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
