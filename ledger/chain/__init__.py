"""Chain backends behind one interface (``ledger.chain.base``)."""
