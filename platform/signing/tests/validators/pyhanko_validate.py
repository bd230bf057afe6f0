"""Validates every signature of a PDF with pyHanko, the independent peer.

Usage: pyhanko_validate.py FILE.pdf ROOT.pem [CRL.der]
Prints one JSON object per signature: field, intact, valid, trusted, revoked,
coverage and modification level, as pyHanko judges them.
"""
import json
import sys

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def load_root(path):
    data = open(path, "rb").read()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return x509.Certificate.load(data)


def main():
    pdf, root = sys.argv[1], sys.argv[2]
    crls = [open(sys.argv[3], "rb").read()] if len(sys.argv) > 3 else []
    context = ValidationContext(
        trust_roots=[load_root(root)],
        crls=crls,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    out = []
    with open(pdf, "rb") as f:
        reader = PdfFileReader(f)
        for sig in reader.embedded_signatures:
            try:
                status = validate_pdf_signature(sig, context)
            except Exception as e:  # a file too broken to validate is not intact
                out.append({"field": sig.field_name, "intact": False, "valid": False, "trusted": False,
                            "revoked": False, "coverage": None, "modification_level": None,
                            "bottom_line": False, "error": str(e)})
                continue
            out.append(
                {
                    "field": sig.field_name,
                    "intact": bool(status.intact),
                    "valid": bool(status.valid),
                    "trusted": bool(status.trusted),
                    "revoked": bool(status.revoked),
                    "coverage": status.coverage.name if status.coverage else None,
                    "modification_level": status.modification_level.name if status.modification_level else None,
                    "bottom_line": bool(status.bottom_line),
                }
            )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
