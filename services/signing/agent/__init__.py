"""HoSo signing agent: signs on the user's USB token what the HoSo server prepared.

Self-contained (``requests`` and ``python-pkcs11`` only; it imports nothing of the server) so it
can be shipped to a school's computer on its own. Run ``python -m services.signing.agent --help``.
"""
