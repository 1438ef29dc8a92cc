"""How often PII redaction fires on real CFPB narratives, and on what.

The CFPB already masks personal data as XXXX before publishing, so nearly every mask found here
is either a leak the CFPB missed or a false positive (a date, an amount, an id...). Prints the
texts changed, masks by kind, run time, and a random sample of masked spans with their context
for a person to judge. Each narrative goes through the ingest cleaning first (clean_text with
redaction off), then `redact`, as at ingest.

    .venv/bin/python bench/pii_false_positives.py [--sample 50] [--kind phone] [--seed 1]
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.clean import clean_text  # noqa: E402
from index.pii import redact  # noqa: E402

CFPB = ROOT.parent / "shared" / "data" / "cfpb"
FILES = {  # file -> the field holding the consumer's narrative
    "cfpb_2015-2020_sample.csv": "Consumer complaint narrative",
    "cfpb_small_with_index_column.csv": "Consumer complaint narrative",
    "cfpb_2023-06_export.json": "complaint_what_happened",
}


def narratives(folder: Path):
    """(file, complaint id, narrative) for every row with a narrative."""
    for name, field in FILES.items():
        path = folder / name
        if path.suffix == ".csv":
            with path.open(newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
            id_field = "Complaint ID"
        else:
            rows = json.loads(path.read_text(encoding="utf-8"))
            id_field = "complaint_id"
        for row in rows:
            text = row.get(field)
            if text and text.strip() and text.strip() != "None":
                yield name, row.get(id_field), text


def masked_spans(before: str, after: str, width: int):
    """(kind, original span, context) for each mask `redact` put into `after`."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        kind = after[j1:j2].strip("[]") or "?"
        context = (before[max(0, i1 - width):i1] + "<<" + before[i1:i2] + ">>"
                   + before[i2:i2 + width]).replace("\n", " ")
        yield kind, before[i1:i2], context


# Deliberately looser than index/pii.py: anything a person might call a number or an address,
# so the spans redaction left alone can be read for misses.
_CANDIDATE = re.compile(r"(?<![\w.$])\+?\(?\d[\d ().-]{5,}\d(?![\w])|\S+@\S+")


def unmasked_candidates(after: str, width: int):
    for m in _CANDIDATE.finditer(after):
        if sum(ch.isdigit() for ch in m.group()) >= 7 or "@" in m.group():
            yield m.group(), (after[max(0, m.start() - width):m.start()] + "<<" + m.group() + ">>"
                              + after[m.end():m.end() + width]).replace("\n", " ")


# Where the CFPB masked a value after words that say what it was ("account # XXXX",
# "my social security number XXXX"), a made-up value of that kind is put back, to measure
# how much of it redaction catches in real sentences (recall) and what else it touches.
_PLANT_CONTEXTS = {
    "account": r"\b(?:account|acct|loan)\s*(?:number|no\.?|#)?\s*(?:is|:|#)?\s*",
    "phone": r"\b(?:phone|telephone|cell|call(?:ed)?(?: me)?(?: at)?)\s*(?:number)?\s*(?:is|:|at)?\s*",
    "ssn": r"\b(?:social security|ssn|ss#)\s*(?:number|#)?\s*(?:is|:|#)?\s*",
    "email": r"\be-?mail(?: address)?\s*(?:is|:|at|to)?\s*",
    "card": r"\b(?:credit|debit)? ?card\s*(?:number|no\.?|#)\s*(?:is|:|#)?\s*",
}
_PLANT = re.compile("(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _PLANT_CONTEXTS.items())
                    + r")(?-i:X{2,}(?:[ -]X{2,})*)(?![\w/])", re.IGNORECASE)


_KIND_TOKEN = re.compile(r"\[(?:email|phone|card|ssn|account)\]")


def fake(kind: str, rng: random.Random) -> str:
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if kind == "account":
        number = str(rng.randint(1, 9)) + digits(rng.randint(7, 13))
        return rng.choice([number, "-".join([number[:4], number[4:8], number[8:]]).strip("-")])
    if kind == "phone":
        a, b, c = str(rng.randint(201, 989)), str(rng.randint(200, 999)), digits(4)
        return rng.choice([f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"{a}{b}{c}",
                           f"1-{a}-{b}-{c}", f"+1 {a} {b} {c}"])
    if kind == "ssn":
        a, b, c = str(rng.randint(100, 665)), str(rng.randint(10, 99)), str(rng.randint(1000, 9999))
        return rng.choice([f"{a}-{b}-{c}", f"{a}{b}{c}", f"{a} {b} {c}"])
    if kind == "email":
        return rng.choice(["jane.doe", "jdoe1987", "mary_smith+bank"]) + "@" + rng.choice(
            ["gmail.com", "yahoo.com", "mail.example.org"])
    body = "4" + digits(14)
    check = next(d for d in "0123456789" if _luhn(body + d))
    number = body + check
    return rng.choice([number, " ".join(number[i:i + 4] for i in range(0, 16, 4)),
                       "-".join(number[i:i + 4] for i in range(0, 16, 4))])


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def planted_recall(texts, seed: int, show: int) -> None:
    rng = random.Random(seed)
    planted, caught, wrong_kind, extra = Counter(), Counter(), Counter(), 0
    exact = texts_planted = 0
    inexact = []
    missed = []
    for name, cid, raw in texts:
        values = []

        def plant(m: re.Match) -> str:
            kind = next(k for k in _PLANT_CONTEXTS if m.group(k) is not None)
            value = fake(kind, rng)
            values.append((kind, value))
            return m.group(kind) + value

        text = _PLANT.sub(plant, raw)
        if not values:
            continue
        out, counts = redact(clean_text(text, redact_pii=False))
        # What a perfect masker gives: each planted value, and nothing else, replaced.
        ideal = clean_text(_PLANT.sub(lambda m: next(m.group(k) for k in _PLANT_CONTEXTS
                                                     if m.group(k) is not None) + "[pii]", raw),
                           redact_pii=False)
        if _KIND_TOKEN.sub("[pii]", out) == ideal:
            exact += 1
        elif len(inexact) < show:
            inexact.append((ideal, _KIND_TOKEN.sub("[pii]", out)))
        texts_planted += 1
        for kind, value in values:
            planted[kind] += 1
            if value in out:
                missed.append((kind, value, out))
            else:
                caught[kind] += 1
        extra += max(0, sum(counts.values()) - len(values))
        for kind, n in Counter(k for k, _ in values).items():
            wrong_kind[kind] += max(0, n - counts.get(kind, 0))
    print("\nplanted values in real contexts (recall):")
    for kind in planted:
        print(f"  {kind:8} {caught[kind]:5} of {planted[kind]:5} masked "
              f"({caught[kind] / planted[kind]:.1%}); under another kind or missed: {wrong_kind[kind]}")
    print(f"  masks beyond the planted values: {extra}")
    print(f"  texts where exactly the planted values were masked, nothing more or less: "
          f"{exact} of {texts_planted}")
    for ideal, got in inexact:
        at = next(i for i, (a, b) in enumerate(zip(ideal, got)) if a != b)
        print(f"  not exact: wanted …{ideal[max(0, at - 50):at + 40]}…\n                got …{got[max(0, at - 50):at + 40]}…"
              .replace("\n ", " ") if False else f"  not exact: wanted …{ideal[max(0, at - 50):at + 40]!r}…\n"
              f"             got …{got[max(0, at - 50):at + 40]!r}…")
    for kind, value, out in missed[:show]:
        at = out.find(value)
        print(f"  missed [{kind}] {value!r}: …{out[max(0, at - 60):at + len(value) + 30]}…".replace("\n", " "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=CFPB)
    parser.add_argument("--sample", type=int, default=50, help="masked spans to print")
    parser.add_argument("--kind", help="print only spans of this kind (email, phone, ...)")
    parser.add_argument("--context", type=int, default=60, help="characters each side")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plant", action="store_true",
                        help="also measure recall on made-up values put where the CFPB masked one")
    parser.add_argument("--left", type=int, default=50,
                        help="number-like or @ spans left unmasked to print (for misses)")
    args = parser.parse_args()

    texts = list(narratives(args.data))
    t0 = time.perf_counter()
    cleaned = [clean_text(text, redact_pii=False) for _, _, text in texts]
    clean_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    redacted = [redact(text) for text in cleaned]
    redact_s = time.perf_counter() - t0

    by_kind: Counter = Counter()
    changed = []
    for (name, cid, _), before, (after, counts) in zip(texts, cleaned, redacted):
        by_kind.update(counts)
        if counts:
            changed.append((name, cid, before, after))
    chars = sum(len(t) for t in cleaned)
    print(f"narratives: {len(texts)} ({chars:,} characters) in {len(FILES)} files")
    print(f"texts changed by redaction: {len(changed)} ({len(changed) / len(texts):.2%})")
    print("masks by kind: " + (", ".join(f"{k} {v}" for k, v in by_kind.most_common()) or "none"))
    print(f"clean_text (no redaction): {clean_s:.2f} s; redact: {redact_s:.2f} s "
          f"({redact_s / len(texts) * 1e6:.0f} µs per narrative, {chars / redact_s / 1e6:.1f} M chars/s)")

    spans = [(name, cid, span) for name, cid, before, after in changed
             for span in masked_spans(before, after, args.context)]
    if args.kind:
        spans = [s for s in spans if s[2][0] == args.kind]
    random.Random(args.seed).shuffle(spans)
    print(f"\n{min(args.sample, len(spans))} of {len(spans)} masked spans (file, complaint id, kind):")
    for name, cid, (kind, original, context) in spans[:args.sample]:
        print(f"- {name} #{cid} [{kind}] {original!r}\n    …{context}…")

    left = [(name, cid, span, context) for (name, cid, _), (after, _) in zip(texts, redacted)
            for span, context in unmasked_candidates(after, args.context)]
    random.Random(args.seed).shuffle(left)
    print(f"\n{min(args.left, len(left))} of {len(left)} number-like or @ spans left unmasked:")
    for name, cid, span, context in left[:args.left]:
        print(f"- {name} #{cid} {span!r}\n    …{context}…")
    if args.plant:
        planted_recall(texts, args.seed, show=args.sample)


if __name__ == "__main__":
    main()
