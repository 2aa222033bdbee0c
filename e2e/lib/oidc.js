// A certified OpenID provider for the city-login specs: the `oidc-provider` package (the
// OpenID Foundation's certified Node.js implementation), on a free loopback port, with its own
// development login and consent pages. Any login name signs in; the person's claims are made
// from it (an e-mail address at example.tw that the provider vouches for, and a name).

"use strict";

const net = require("node:net");

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts the provider. Resolves with { issuer, clientId, clientSecret, close() }. The client is
 * registered as a loopback one (RFC 8252 §7.3), so civicdesk's callback may be on any port of
 * 127.0.0.1; its sign-out returns to one of `postLogoutRedirectUris` (exact addresses).
 */
async function startOidcProvider({ postLogoutRedirectUris = [] } = {}) {
  const { default: Provider } = await import("oidc-provider");
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = "civicdesk-e2e";
  const clientSecret = "a-client-secret-for-the-browser-tests";
  // Verification levels by person; everyone starts unverified.
  const levels = new Map();
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        application_type: "native",
        redirect_uris: ["http://127.0.0.1/sign-in/callback/city"],
        // Where civicdesk's sign-out may send the browser back to (RP-Initiated Logout).
        post_logout_redirect_uris: postLogoutRedirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      // A city's own claim: how it verified the person (0: not at all; 1 or more: a real name).
      profile: ["name", "verify_level"],
    },
    // As the specification has it (conformIdTokenClaims), the ID token carries the subject
    // and the profile the scopes ask for is at the user-info endpoint, where civicdesk reads it.
    pkce: { required: () => true },
    cookies: { keys: ["e2e-cookie-key-not-a-secret"] },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: `${id}@example.tw`,
            email_verified: true,
            name: "林美玲",
            verify_level: levels.get(id) ?? 0,
          };
        },
      };
    },
  });
  // Its development warnings (no keys, http) are expected here.
  provider.on("server_error", (_ctx, err) => console.warn(`oidc-provider: ${err.message}`));
  const server = await new Promise((resolve) => {
    const s = provider.listen(port, "127.0.0.1", () => resolve(s));
  });
  return {
    issuer,
    clientId,
    clientSecret,
    /** The person `id` is verified at `level` from now on (as a city's counter would). */
    setLevel: (id, level) => levels.set(id, level),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

module.exports = { startOidcProvider };
