"""Regenerate `src/baton/detect/data/near_words.txt`: real English words close to a key word.

Baton corrects a misspelt key word ("agnet", "represntative", "custmer") by edit distance
(`baton.detect.signals.lexicon`). A real word that is as close ("contract" to "contact", "that"
to "chat", "arent" to "agent") must stay itself: this lists them. Run it by hand when the key
words change; it needs `wordfreq` (not a dependency of Baton):

    pip install --target /tmp/wf wordfreq && PYTHONPATH=/tmp/wf:src python tools/near_words.py
"""

from __future__ import annotations

from pathlib import Path

from rapidfuzz.distance import OSA
from wordfreq import top_n_list  # type: ignore[import-not-found]

from baton.detect.signals.lexicon import KEY_WORDS, max_distance

OUT = Path(__file__).resolve().parents[1] / "src/baton/detect/data/near_words.txt"


def main() -> None:
    near: set[str] = set()
    for word in top_n_list("en", 30_000):
        if not word.isalpha() or word in KEY_WORDS:
            continue
        if any(
            OSA.distance(word, k, score_cutoff=max_distance(k)) <= max_distance(k)
            for k in KEY_WORDS
        ):
            near.add(word)
    header = "# real English words near a key word (tools/near_words.py, from wordfreq's top 30k)\n"
    OUT.write_text(header + "\n".join(sorted(near)) + "\n", encoding="utf-8")
    print(f"{len(near)} words -> {OUT}")


if __name__ == "__main__":
    main()
