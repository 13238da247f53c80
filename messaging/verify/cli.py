"""The command line of the verifier: prints the verdict; exit 0 verified, 1 not, 2 usage."""

import argparse
import sys

from messaging.verify.check import verify_bundle


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m messaging.verify",
        description="Verify a Counterpart case-record bundle offline.",
    )
    parser.add_argument("bundle", help="the bundle (.zip)")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        help="a verifier key obtained independently (the vkey text, or a file holding it or "
        "the published counterpart-keys.json); may be given more than once",
    )
    parser.add_argument(
        "--later",
        help="a JSON file with a later signed checkpoint of the same room and the consistency "
        'proof from the bundle\'s checkpoint to it: {"checkpoint": "...", "proof": [...]}',
    )
    args = parser.parse_args(argv)
    try:
        with open(args.bundle, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        print(f"NOT VERIFIED: cannot read {args.bundle}: {exc.strerror}")
        return 1
    later = None
    if args.later:
        try:
            with open(args.later, encoding="utf-8") as handle:
                later = handle.read()
        except OSError as exc:
            print(f"NOT VERIFIED: cannot read {args.later}: {exc.strerror}")
            return 1
    keys = []
    for value in args.key:
        try:
            with open(value, encoding="utf-8") as handle:
                keys.append(handle.read())
        except OSError:
            keys.append(value)
    verdict = verify_bundle(data, keys=keys or None, later=later)
    print(verdict.text())
    sys.stdout.flush()
    return 0 if verdict.ok else 1
