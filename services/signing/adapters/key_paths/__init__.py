"""The signer port and its four adapters (server key, PKCS#12, remote provider, USB token via agent)."""
