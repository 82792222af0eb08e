"""Write ``verses.txt``, the training text of ``char_transformer.py``: rhymed quatrains drawn from a small grammar.

The text is generated, not copied from anywhere, so it is free of copyright; its structure (a title line, four
lines of a few phrase shapes, couplets that rhyme, a blank line between verses) gives a character-level model
something to learn at several scales. The draw is seeded, so running this again writes the same file::

    python examples/data/make_verses.py            # rewrites examples/data/verses.txt
"""
from __future__ import annotations

import os
import random

ADJ = ["old", "quiet", "golden", "silver", "dark", "bright", "gentle", "lonely", "distant", "wild", "cold", "green",
       "grey", "little", "ancient", "weary"]
NOUN = ["river", "mountain", "meadow", "forest", "harbour", "garden", "valley", "tower", "village", "lantern",
        "shepherd", "sailor", "miller", "raven", "willow", "candle", "orchard", "bridge"]
VERB = ["walks", "sings", "waits", "sleeps", "dreams", "wanders", "listens", "turns", "weeps", "rests", "calls"]
PREP = ["by", "beyond", "beneath", "across", "along", "behind", "above", "within"]
TIME = ["at dawn", "at dusk", "in winter", "all night", "in the rain", "in spring", "at noon", "till morning"]
# the rhyming line ends: each pair of lines in a couplet ends with two words of one group
RHYMES = [["night", "light", "white", "flight", "sight"], ["day", "way", "grey", "away", "stay"],
          ["sea", "tree", "free", "me", "be"], ["song", "long", "strong", "along", "belong"],
          ["moon", "soon", "tune", "noon", "june"], ["home", "roam", "foam", "loam", "comb"],
          ["fire", "higher", "choir", "spire", "desire"], ["stone", "alone", "known", "grown", "flown"]]


def line(rng: random.Random, end: str) -> str:
    """One line of verse, of one of a few shapes, ending with the rhyme word ``end``."""
    a, n, v, p, t = (rng.choice(ADJ), rng.choice(NOUN), rng.choice(VERB), rng.choice(PREP), rng.choice(TIME))
    a2, n2 = rng.choice(ADJ), rng.choice(NOUN)
    shape = rng.randrange(5)
    if shape == 0:
        return f"the {a} {n} {v} {p} the {n2} {t}, and {end}"
    if shape == 1:
        return f"and {t} the {n} {v} {p} the {a2} {end}"
    if shape == 2:
        return f"o {a} {n}, who {v} {p} the {n2} of {end}"
    if shape == 3:
        return f"{t} I hear the {a} {n} that {v} for {end}"
    return f"so may the {n} that {v}, {a} and {a2}, go {p} the {end}"


def verse(rng: random.Random, number: int) -> str:
    first, second = rng.sample(RHYMES, 2)
    a, b = rng.sample(first, 2)
    c, d = rng.sample(second, 2)
    title = f"{number}. of the {rng.choice(ADJ)} {rng.choice(NOUN)}"
    lines = [line(rng, a) + ",", line(rng, b) + ";", line(rng, c) + ",", line(rng, d) + "."]
    return "\n".join([title] + [ln[0].upper() + ln[1:] for ln in lines])


def make(n_verses: int = 150, seed: int = 0) -> str:
    rng = random.Random(seed)
    return "\n\n".join(verse(rng, k) for k in range(1, n_verses + 1)) + "\n"


if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "verses.txt")
    with open(path, "w", encoding="ascii") as f:
        f.write(make())
    print(f"wrote {path}")
