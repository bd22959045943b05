// Passkey forms of the identity pages (a static file: the pages' CSP allows no inline script).
// A form marked data-passkey="create" or "get" carries the server's WebAuthn options (JSON, as
// py_webauthn writes them) in data-options; submitting it asks the browser for a passkey, puts
// the browser's answer (JSON, base64url fields) in its hidden "credential" field and posts the
// form. Messages to show come from the page (data-failed, data-unsupported): Vietnamese texts.

const decode = (text) => {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(b64 + "===".slice((b64.length + 3) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0)).buffer;
};

const encode = (buffer) => {
  const bytes = new Uint8Array(buffer);
  let raw = "";
  for (const b of bytes) raw += String.fromCharCode(b);
  return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};

const descriptors = (list) => (list || []).map((d) => ({ ...d, id: decode(d.id) }));

function creationOptions(json) {
  return {
    ...json,
    challenge: decode(json.challenge),
    user: { ...json.user, id: decode(json.user.id) },
    excludeCredentials: descriptors(json.excludeCredentials),
  };
}

function requestOptions(json) {
  return { ...json, challenge: decode(json.challenge), allowCredentials: descriptors(json.allowCredentials) };
}

function answer(credential) {
  const r = credential.response;
  const response = { clientDataJSON: encode(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = encode(r.attestationObject);
    response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
  } else {
    response.authenticatorData = encode(r.authenticatorData);
    response.signature = encode(r.signature);
    if (r.userHandle) response.userHandle = encode(r.userHandle);
  }
  return {
    id: credential.id,
    rawId: encode(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
  };
}

function show(form, text) {
  const status = document.getElementById(form.dataset.status);
  if (!status) return;
  status.textContent = text;
  status.classList.toggle("failed", Boolean(text));
}

async function ceremony(form) {
  const json = JSON.parse(form.dataset.options);
  if (form.dataset.passkey === "create") {
    return navigator.credentials.create({ publicKey: creationOptions(json) });
  }
  return navigator.credentials.get({ publicKey: requestOptions(json) });
}

for (const form of document.querySelectorAll("form[data-passkey]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (!window.PublicKeyCredential || !navigator.credentials) {
      show(form, form.dataset.unsupported);
      return;
    }
    show(form, "");
    button.disabled = true;
    try {
      const credential = await ceremony(form);
      form.querySelector("input[name=credential]").value = JSON.stringify(answer(credential));
      form.submit();
    } catch (error) {
      button.disabled = false;
      show(form, form.dataset.failed);
    }
  });
}
