"""The CertificateSigningRequest controllers: the signer of the built-in client signers, and the cleaner."""
