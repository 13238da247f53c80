// WebAuthn ceremonies for the sign-in and enrolment pages. The server sends the options as
// JSON (base64url for binary fields) and checks the answer; nothing here is trusted. What it
// says comes translated from the status element's data-t-* attributes
// (accounts/_webauthn_status.html).
(function () {
  "use strict";

  const ENGLISH = {
    tPrompt: "Follow your browser’s prompt…",
    tUnsupported: "This browser does not support security keys.",
    tFailed: "The request failed ({status}).",
    tKeyName: "Security key",
    tRegistered: "Key registered. Keep these recovery codes somewhere safe; they are shown only now.",
    tContinue: "Continue",
  };

  function t(key, values) {
    const status = document.getElementById("webauthn-status");
    const text = (status && status.dataset[key]) || ENGLISH[key];
    return text.replace(/\{(\w+)\}/g, (whole, name) => (values && name in values ? values[name] : whole));
  }

  function b64urlToBuffer(value) {
    const padded = value.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((value.length + 3) % 4);
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function bufferToB64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const match = document.cookie.match(/(?:^|; )(?:__Host-)?csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || t("tFailed", { status: response.status }));
    return data;
  }

  function descriptors(list) {
    return (list || []).map((item) => Object.assign({}, item, { id: b64urlToBuffer(item.id) }));
  }

  function say(text) {
    const status = document.getElementById("webauthn-status");
    if (status) status.textContent = text;
  }

  async function registerKey(button) {
    const options = await post(button.dataset.optionsUrl);
    options.challenge = b64urlToBuffer(options.challenge);
    options.user.id = b64urlToBuffer(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    const credential = await navigator.credentials.create({ publicKey: options });
    const name = (document.getElementById("webauthn-name") || {}).value || t("tKeyName");
    const result = await post(button.dataset.verifyUrl, {
      name: name,
      credential: {
        id: credential.id,
        rawId: bufferToB64url(credential.rawId),
        type: credential.type,
        response: {
          clientDataJSON: bufferToB64url(credential.response.clientDataJSON),
          attestationObject: bufferToB64url(credential.response.attestationObject),
          transports: credential.response.getTransports ? credential.response.getTransports() : [],
        },
      },
    });
    if (result.recovery_codes && result.recovery_codes.length) {
      const list = document.getElementById("webauthn-recovery-codes");
      result.recovery_codes.forEach((code) => {
        const item = document.createElement("li");
        item.textContent = code;
        list.appendChild(item);
      });
      list.hidden = false;
      say(t("tRegistered"));
      const next = document.createElement("a");
      next.href = result.redirect;
      next.className = "button";
      next.id = "webauthn-continue";
      next.textContent = t("tContinue");
      list.after(next);
    } else {
      window.location.assign(result.redirect);
    }
  }

  async function signIn(button) {
    const options = await post(button.dataset.optionsUrl);
    options.challenge = b64urlToBuffer(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    const assertion = await navigator.credentials.get({ publicKey: options });
    const result = await post(button.dataset.verifyUrl, {
      credential: {
        id: assertion.id,
        rawId: bufferToB64url(assertion.rawId),
        type: assertion.type,
        response: {
          clientDataJSON: bufferToB64url(assertion.response.clientDataJSON),
          authenticatorData: bufferToB64url(assertion.response.authenticatorData),
          signature: bufferToB64url(assertion.response.signature),
          userHandle: assertion.response.userHandle ? bufferToB64url(assertion.response.userHandle) : null,
        },
      },
    });
    window.location.assign(result.redirect);
  }

  function wire(id, ceremony) {
    const button = document.getElementById(id);
    if (!button) return;
    if (!window.PublicKeyCredential) {
      say(t("tUnsupported"));
      button.disabled = true;
      return;
    }
    button.addEventListener("click", () => {
      say(t("tPrompt"));
      ceremony(button).catch((error) => say(error.message));
    });
  }

  wire("webauthn-register", registerKey);
  wire("webauthn-sign-in", signIn);
})();
