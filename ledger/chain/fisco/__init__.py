"""FISCO BCOS native protocols (2.x RLP and 3.x Tars over JSON-RPC), ECDSA and SM2/SM3."""
