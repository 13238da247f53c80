"""The offline verifier of case-record bundles (docs/records.md).

    python -m messaging.verify BUNDLE [--key VERIFIER_KEY] [--later LATER_CHECKPOINT]

Standard library and `cryptography` only: no Django, no database, no network. It checks every
file against the manifest, the checkpoint's signature, that the bundle's leaf hashes give the
signed root (nothing in the log was dropped, added or reordered), every exported event's
entry, commitment and inclusion proof, that the transcript says what the opened events say,
that withheld items are the leaves they claim to be, and the custody record; it stops at the
first thing that does not hold and names it (file, seq, field). Exit status 0 only when
everything holds.
"""

from messaging.verify.check import Problem, Verdict, verify_bundle

__all__ = ["Problem", "Verdict", "verify_bundle"]
