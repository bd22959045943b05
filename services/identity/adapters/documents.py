"""MongoDB documents of the identity database, each with the indexes its queries use.

Class names carry the ``Identity`` prefix: mongoengine keeps one registry of document classes
by name for the whole process (all-in-one mode loads every service), and a name shared with
another service's document would detach this one from its connection.

Tenant-owned records (schools, units, school memberships, delegations) derive from the
kernel's ``TenantOwned`` and are read through ``TenantRepository`` subclasses. Aggregates that
raise events carry the kernel's outbox (``OutboxMixin``) so the event is written in the same
single-document save as the change.
"""
from __future__ import annotations

from mongoengine import (
    BinaryField, BooleanField, DateTimeField, DictField, Document, IntField, ListField, StringField,
)

from services.kernel.outbox import OutboxMixin
from services.kernel.tenancy import TenantOwned

ALIAS = "identity"


class IdentityProvinceDoc(Document):
    meta = {"collection": "provinces", "db_alias": ALIAS}
    id = StringField(primary_key=True)
    name = StringField(required=True)


class IdentityDistrictDoc(OutboxMixin):
    """An oversight unit (legacy Phòng GD&ĐT or UBND xã/phường); ``kind`` says which."""

    meta = {"collection": "districts", "db_alias": ALIAS, "indexes": [("province_id", "name")]}
    id = StringField(primary_key=True)
    name = StringField(required=True)
    province_id = StringField(required=True)
    kind = StringField(default="phong_gddt")
    created_at = DateTimeField()
    created_by = StringField()


class IdentitySchoolDoc(TenantOwned, OutboxMixin):
    """A school; its own ``tenant_id`` is its id, so school lists go through tenant scopes too."""

    meta = {"collection": "schools", "db_alias": ALIAS,
            "indexes": [("district_id", "name"), ("province_id", "name")]}
    id = StringField(primary_key=True)
    name = StringField(required=True)
    levels = ListField(StringField())
    principal_id = StringField()
    created_at = DateTimeField(required=True)
    created_by = StringField()


class IdentityUnitDoc(TenantOwned):
    meta = {"collection": "units", "db_alias": ALIAS, "indexes": [("tenant_id", "district_id", "kind", "slug")]}
    id = StringField(primary_key=True)
    slug = StringField(required=True)
    name = StringField(required=True)
    kind = StringField(required=True)
    level = StringField()  # in a school of several levels: the one the unit serves


class IdentityPersonDoc(OutboxMixin):
    """One account per person. Unique by username, e-mail, phone and national staff id."""

    meta = {"collection": "people", "db_alias": ALIAS, "indexes": [
        {"fields": ["email"], "unique": True, "partialFilterExpression": {"email": {"$type": "string"}}},
        {"fields": ["phone"], "unique": True, "partialFilterExpression": {"phone": {"$type": "string"}}},
        {"fields": ["staff_id"], "unique": True, "partialFilterExpression": {"staff_id": {"$type": "string"}}},
    ]}
    id = StringField(primary_key=True)  # the username
    full_name = StringField(required=True)
    email = StringField()
    phone = StringField()
    staff_id = StringField()
    birth_date = StringField()  # ISO date
    position = StringField()
    password_hash = StringField()
    must_change_password = BooleanField(default=True)
    totp_secret = BinaryField()  # sealed with the key-encryption key
    totp_enabled = BooleanField(default=False)
    totp_last_step = IntField(default=0)  # a code is accepted once
    passkey_count = IntField(default=0)  # passkeys registered (kept with each change, read at every step)
    #: the answer to the one-time passkey offer: "passkey" or "totp" (None: not asked yet)
    second_factor_choice = StringField()
    active = BooleanField(default=True)
    known_devices = ListField(StringField())  # hashes of device cookies, newest last
    created_at = DateTimeField(required=True)
    password_changed_at = DateTimeField()
    #: the school of the person's first role: a token's default school, never moved by another
    #: school adding a role (see ``domain.claims.standing``)
    home_school = StringField()


class IdentityMembershipDoc(TenantOwned, OutboxMixin):
    """A role held in a school (optionally one unit). Revoked memberships are kept (``active=False``)
    so that the revocation event and the history stay with them."""

    meta = {"collection": "memberships", "db_alias": ALIAS, "indexes": [
        ("person_id", "active"), ("tenant_id", "district_id", "active", "person_id")]}
    id = StringField(primary_key=True)
    person_id = StringField(required=True)
    role = StringField(required=True)
    unit_id = StringField()
    active = BooleanField(default=True)
    granted_at = DateTimeField()
    granted_by = StringField()
    revoked_at = DateTimeField()
    revoked_by = StringField()


class IdentityStaffRoleDoc(OutboxMixin):
    """A district or province role (not tenant-owned: it belongs to no school)."""

    meta = {"collection": "staff_roles", "db_alias": ALIAS, "indexes": [("person_id", "active"), ("district_id", "active")]}
    id = StringField(primary_key=True)
    person_id = StringField(required=True)
    role = StringField(required=True)
    district_id = StringField()
    province_id = StringField()
    active = BooleanField(default=True)
    granted_at = DateTimeField()


class IdentityDelegationDoc(TenantOwned, OutboxMixin):
    meta = {"collection": "delegations", "db_alias": ALIAS, "indexes": [
        ("delegate_id", "until"), ("tenant_id", "district_id", "delegator_id"), ("tenant_id", "district_id", "-created_at")]}
    id = StringField(primary_key=True)
    delegator_id = StringField(required=True)
    delegate_id = StringField(required=True)
    role = StringField(required=True)
    unit_id = StringField()
    book_types = ListField(StringField())
    starts_at = DateTimeField(required=True)
    until = DateTimeField(required=True)
    revoked_at = DateTimeField()
    created_at = DateTimeField()


class IdentityCampaignDoc(OutboxMixin):
    """An inspection campaign of an oversight unit (not tenant-owned: it spans the unit's schools);
    its ``identity.campaign.*`` events ride in its own outbox."""

    meta = {"collection": "campaigns", "db_alias": ALIAS, "indexes": [("team", "until"), ("district_id", "-created_at"),
                                                                       ("province_id", "-created_at")]}
    id = StringField(primary_key=True)
    name = StringField(required=True)
    district_id = StringField()
    province_id = StringField()
    schools = ListField(StringField())
    books = ListField(StringField())
    school_year = StringField()
    team = ListField(StringField())
    starts_at = DateTimeField(required=True)
    until = DateTimeField(required=True)
    opened_by = StringField(required=True)
    head = StringField()
    closed_at = DateTimeField()
    created_at = DateTimeField()


class IdentityInvitationDoc(TenantOwned):
    """A school's invitation to someone whose account already exists to take roles there.
    Nothing is granted until the person accepts (or the district approves); ``tenant_id`` is the
    inviting school, so the school sees its own invitations and never the person's details."""

    meta = {"collection": "invitations", "db_alias": ALIAS, "indexes": [
        ("person_id", "status"), ("tenant_id", "district_id", "status"),
        {"fields": ["expires_at"], "expireAfterSeconds": 30 * 24 * 3600}]}
    id = StringField(primary_key=True)
    person_id = StringField(required=True)
    roles = ListField(DictField())  # {"role": slug, "unit": unit id or None}
    status = StringField(required=True, default="pending")  # pending | accepted | declined
    invited_by = StringField(required=True)
    on_behalf_of = StringField()
    created_at = DateTimeField(required=True)
    expires_at = DateTimeField(required=True)
    decided_at = DateTimeField()
    decided_by = StringField()


class IdentitySigningKeyDoc(Document):
    """A token-signing key; the private key sealed with the key-encryption key."""

    meta = {"collection": "signing_keys", "db_alias": ALIAS, "indexes": [{"fields": ["generation"], "unique": True}]}
    id = StringField(primary_key=True)  # the kid
    generation = IntField(required=True)
    algorithm = StringField(required=True)
    sealed_private_key = BinaryField(required=True)
    public_jwk = DictField(required=True)
    #: the RSA-2048 companion key (RS256 ID tokens), sealed the same way, kid ``<id>-rs``, rotated with it
    sealed_rsa_private_key = BinaryField()
    rsa_public_jwk = DictField()
    created_at = DateTimeField(required=True)
    activates_at = DateTimeField(required=True)  # published first, used for signing from then on
    superseded_at = DateTimeField()


class IdentitySessionDoc(Document):
    """A sign-in on one browser/device. ``stage`` is ``active`` once every step (password, second
    factor, forced password change) is done; the cookie holds a token whose hash is ``_id``."""

    meta = {"collection": "sessions", "db_alias": ALIAS, "indexes": [
        {"fields": ["public_id"], "unique": True}, ("person_id", "revoked_at"),
        {"fields": ["expires_at"], "expireAfterSeconds": 0}]}
    id = StringField(primary_key=True)
    public_id = StringField(required=True)
    person_id = StringField(required=True)
    stage = StringField(required=True)
    done = ListField(StringField())  # sign-in steps completed (domain.signin_steps)
    device = StringField()  # hash of the device cookie
    user_agent = StringField()
    ip = StringField()
    created_at = DateTimeField(required=True)
    last_seen_at = DateTimeField()
    #: when the person completed every sign-in step (the ID token's ``auth_time``)
    authenticated_at = DateTimeField()
    expires_at = DateTimeField(required=True)
    revoked_at = DateTimeField()
    #: the pending WebAuthn challenge of this session (single use), what it is for and when it was made
    passkey_challenge = BinaryField()
    passkey_purpose = StringField()
    passkey_challenge_at = DateTimeField()


class IdentityPasskeyDoc(Document):
    """A WebAuthn credential (passkey) of one person: its public key and signature counter.
    Read and changed only by the person's own id (``adapters.repositories.PersonPasskeys``)."""

    meta = {"collection": "passkeys", "db_alias": ALIAS, "indexes": [
        {"fields": ["credential_id"], "unique": True}, ("person_id", "created_at")]}
    id = StringField(primary_key=True)
    person_id = StringField(required=True)
    credential_id = StringField(required=True)  # base64url, as the browser sends it
    public_key = BinaryField(required=True)  # COSE key
    sign_count = IntField(default=0)
    name = StringField(required=True)
    transports = ListField(StringField())
    aaguid = StringField()
    backed_up = BooleanField(default=False)
    created_at = DateTimeField(required=True)
    last_used_at = DateTimeField()


class IdentityPasskeyChallengeDoc(Document):
    """A challenge of the passkey-only sign-in (no session exists yet): stored by its SHA-256,
    removed when answered (single use), gone after ``expires_at`` (TTL)."""

    meta = {"collection": "passkey_challenges", "db_alias": ALIAS,
            "indexes": [{"fields": ["expires_at"], "expireAfterSeconds": 0}]}
    id = StringField(primary_key=True)
    expires_at = DateTimeField(required=True)


class IdentityAuthorizationCodeDoc(Document):
    meta = {"collection": "authorization_codes", "db_alias": ALIAS,
            "indexes": [("client_id", "nonce"), {"fields": ["expires_at"], "expireAfterSeconds": 0}]}
    id = StringField(primary_key=True)  # sha256 of the code
    client_id = StringField(required=True)
    redirect_uri = StringField()
    scope = StringField()
    nonce = StringField()
    person_id = StringField(required=True)
    session_id = StringField()
    tenant = StringField()
    code_challenge = StringField()
    code_challenge_method = StringField()
    auth_time = IntField()
    expires_at = DateTimeField(required=True)
    used = BooleanField(default=False)
    #: the refresh family its exchange started: a replayed code revokes it (RFC 6749 §4.1.2)
    family_id = StringField()


class IdentityRefreshTokenDoc(Document):
    """One refresh token of a rotation family: using it marks it used and issues the next one;
    presenting a used token again revokes the whole family (theft detected)."""

    meta = {"collection": "refresh_tokens", "db_alias": ALIAS, "indexes": [
        "family_id", "session_id", "person_id", {"fields": ["expires_at"], "expireAfterSeconds": 0}]}
    id = StringField(primary_key=True)  # sha256 of the token
    family_id = StringField(required=True)
    person_id = StringField(required=True)
    client_id = StringField(required=True)
    session_id = StringField()
    scope = StringField()
    tenant = StringField()
    issued_at = DateTimeField(required=True)
    expires_at = DateTimeField(required=True)
    used_at = DateTimeField()
    revoked_at = DateTimeField()


class IdentityThrottleDoc(Document):
    """Failure counter of one throttle key (an account key or a client IP)."""

    meta = {"collection": "sign_in_throttle", "db_alias": ALIAS,
            "indexes": [{"fields": ["expires_at"], "expireAfterSeconds": 0}]}
    id = StringField(primary_key=True)
    failures = IntField(default=0)
    window_started = DateTimeField()
    locked_until = DateTimeField()
    expires_at = DateTimeField()


class IdentityPasswordResetDoc(Document):
    meta = {"collection": "password_resets", "db_alias": ALIAS,
            "indexes": ["person_id", {"fields": ["expires_at"], "expireAfterSeconds": 0}]}
    id = StringField(primary_key=True)  # sha256 of the token in the link
    person_id = StringField(required=True)
    created_at = DateTimeField(required=True)
    expires_at = DateTimeField(required=True)
    used_at = DateTimeField()



class IdentityFederationDoc(Document):
    """An outside OpenID Connect provider a school or an oversight unit lets its people sign in
    with (``id`` = ``school:<id>`` or ``district:<id>``); the client secret sealed with the
    key-encryption key (the id as associated data). Not tenant-owned: the sign-in page finds it
    before anyone is signed in, by e-mail domain or by words of the organisation's name (both indexed)."""

    meta = {"collection": "federations", "db_alias": ALIAS, "indexes": ["email_domains", "org_prefixes"]}
    id = StringField(primary_key=True)
    org_kind = StringField(required=True)  # school | district
    org_id = StringField(required=True)
    org_name = StringField(required=True)
    org_prefixes = ListField(StringField())  # the name's word prefixes, for the search (domain.federation.search_prefixes)
    district_id = StringField()
    display_name = StringField(required=True)
    issuer = StringField(required=True)
    client_id = StringField(required=True)
    sealed_client_secret = BinaryField(required=True)
    email_domains = ListField(StringField())
    authorization_endpoint = StringField(required=True)
    token_endpoint = StringField(required=True)
    jwks_uri = StringField(required=True)
    token_auth = StringField(required=True)
    updated_at = DateTimeField(required=True)
    updated_by = StringField(required=True)


class IdentityFederatedIdentityDoc(Document):
    """A link from an outside account (issuer, subject) to one HoSo person, made once with the
    person's confirmation. Read and removed only through ``PersonFederatedIdentities``."""

    meta = {"collection": "federated_identities", "db_alias": ALIAS, "indexes": [
        {"fields": ["issuer", "subject"], "unique": True}, ("person_id", "created_at"), "federation_id"]}
    id = StringField(primary_key=True)
    person_id = StringField(required=True)
    issuer = StringField(required=True)
    subject = StringField(required=True)
    email = StringField()
    federation_id = StringField(required=True)
    provider_name = StringField(required=True)
    created_at = DateTimeField(required=True)
    last_used_at = DateTimeField()


class IdentityFederationFlowDoc(Document):
    """A federated sign-in in progress, keyed by the SHA-256 of a random token kept in the
    browser's cookie: ``start`` (state, nonce and PKCE verifier of a request to the provider) or
    ``link`` (a verified outside account waiting for the person's confirmation). Taken atomically
    when used; gone after ``expires_at`` (TTL)."""

    meta = {"collection": "federation_flows", "db_alias": ALIAS, "indexes": [
        {"fields": ["mail_token"], "unique": True, "partialFilterExpression": {"mail_token": {"$type": "string"}}},
        {"fields": ["expires_at"], "expireAfterSeconds": 0}]}
    id = StringField(primary_key=True)
    stage = StringField(required=True)  # start | link
    federation_id = StringField(required=True)
    next = StringField()
    nonce = StringField()
    verifier = StringField()
    person_id = StringField()
    issuer = StringField()
    subject = StringField()
    email = StringField()
    mail_token = StringField()  # SHA-256 of the token in a mailed confirmation link
    expires_at = DateTimeField(required=True)

ALL_DOCUMENTS = (
    IdentityProvinceDoc, IdentityDistrictDoc, IdentitySchoolDoc, IdentityUnitDoc, IdentityPersonDoc, IdentityMembershipDoc, IdentityStaffRoleDoc, IdentityDelegationDoc, IdentityCampaignDoc,
    IdentityInvitationDoc, IdentitySigningKeyDoc, IdentitySessionDoc, IdentityAuthorizationCodeDoc, IdentityRefreshTokenDoc, IdentityThrottleDoc, IdentityPasswordResetDoc,
    IdentityPasskeyDoc, IdentityPasskeyChallengeDoc, IdentityFederationDoc, IdentityFederatedIdentityDoc,
    IdentityFederationFlowDoc,
)
OUTBOX_DOCUMENTS = (IdentityDistrictDoc, IdentitySchoolDoc, IdentityPersonDoc, IdentityMembershipDoc, IdentityStaffRoleDoc, IdentityDelegationDoc,
                    IdentityCampaignDoc)
