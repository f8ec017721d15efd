"""Verifier receipts: a verification's outcome signed by the verifier's own key.

An HR department keeps these for compliance: what was checked (each credential's id, hash, holder,
title, issuer, verdict and every step's reason code), against which chain and deployment, as of which
block, and when, signed by a key that is the verifier's (never an issuer's or a committee member's).
:func:`check_receipt` checks one later, with no chain and no workspace.

Modules: :mod:`~ledger.receipts.receipt` (the document, signing, checking).

May import: ``ledger.crypto`` and the foundations.
"""

from __future__ import annotations

from ledger.receipts.receipt import (
    RECEIPT_TYPE,
    ReceiptCheck,
    ReceiptError,
    ReceiptSigner,
    check_receipt,
    receipt_digest,
)

__all__ = ["RECEIPT_TYPE", "ReceiptCheck", "ReceiptError", "ReceiptSigner", "check_receipt", "receipt_digest"]
