"""pyHanko doing what the signing bench measures, on the same files.

Usage: pyhanko_peer.py sign IN.pdf KEY.pem CERT.pem CA.pem N
       pyhanko_peer.py verify SIGNED.pdf ROOT.pem N
Prints the mean milliseconds of N runs in-process (the interpreter's start is not counted).
"""
import io
import sys
import time

from asn1crypto import pem, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def load_cert(path):
    data = open(path, "rb").read()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return x509.Certificate.load(data)


def sign(pdf, key, cert, ca, n):
    signer = signers.SimpleSigner.load(key, cert, ca_chain_files=(ca,))
    data = open(pdf, "rb").read()
    start = time.perf_counter()
    for i in range(n):
        out = io.BytesIO()
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        meta = signers.PdfSignatureMetadata(field_name=f"Peer{i}", subfilter=SigSeedSubFilter.PADES)
        signers.sign_pdf(writer, meta, signer=signer, output=out)
    return (time.perf_counter() - start) * 1000 / n


def verify(pdf, root, n):
    data = open(pdf, "rb").read()
    context = ValidationContext(trust_roots=[load_cert(root)], allow_fetching=False)
    start = time.perf_counter()
    for _ in range(n):
        reader = PdfFileReader(io.BytesIO(data))
        for sig in reader.embedded_signatures:
            validate_pdf_signature(sig, context)
    return (time.perf_counter() - start) * 1000 / n


if __name__ == "__main__":
    if sys.argv[1] == "sign":
        print(f"{sign(*sys.argv[2:6], int(sys.argv[6])):.2f}")
    else:
        print(f"{verify(sys.argv[2], sys.argv[3], int(sys.argv[4])):.2f}")
