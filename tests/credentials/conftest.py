"""Fixtures for credential documents (defined in ``credential_fixtures``)."""

from tests.credentials.credential_fixtures import batch, chain, issuer, template  # noqa: F401  (fixtures)
