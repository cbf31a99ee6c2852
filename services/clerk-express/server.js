// @clerk/express behind the clerk-harness black-box wire contract (README, "Black-box mode"):
// clerkMiddleware({ jwtKey }) verifies offline, getAuth(req) reads the result, and the same
// minimal application as conformance/adapters/_app.py turns it into a principal.
//
// Glue, all of it:
// - settings come from CLERK_HARNESS_SETTINGS: leeway_s -> clockSkewInMs, authorized_parties
//   -> authorizedParties, the harness's RSA key (CLERK_HARNESS_JWT_KEY) -> jwtKey; the keys
//   Clerk's middleware requires are derived: a production instance's publishable key naming
//   the issuer's Frontend API host (a development instance, by design, authenticates no cookie
//   without its dev-browser cookie __clerk_db_jwt), and a placeholder secret key (nothing here
//   reaches Clerk's API);
// - POST /__harness/clock sets what Date.now() returns (Clerk's SDK reads time through it);
//   POST /__harness/reset empties the user store but for the deployment's existing users;
// - GET /whoami is the protected route; /callback is not provided (Clerk's JavaScript SDK
//   reads no relayed form field), so it is a 404;
// - signed out (no userId) is a 401 with getAuth's reason; the app's InvalidClaims a 422.
// The application's part: the user is auth.userId and the org auth.orgId; an org other than
// the pinned one is InvalidClaims("org_mismatch"); the role is auth.orgRole without one leading
// "org:" (admin -> admin, member -> viewer, anything else -> guest); the session id is
// auth.sessionId or ""; users are got-or-created in memory by (org, user), the store starting
// with the settings' existing_users linked to a Clerk user (a new user gets an id none holds).
import express from "express";
import { clerkMiddleware, getAuth } from "@clerk/express";

const settings = JSON.parse(process.env.CLERK_HARNESS_SETTINGS);
const issuer = settings.issuer ?? "https://harness-example.clerk.accounts.dev";
const frontendApi = new URL(issuer).host;

let frozen = null;
const realNow = Date.now;
Date.now = () => frozen ?? realNow();

const users = new Map();
const taken = new Set(
  (settings.existing_users ?? []).map((user) => user.user_id),
);
let next = 0;

function seedUsers() {
  users.clear();
  next = 0;
  for (const user of settings.existing_users ?? []) {
    if (user.clerk_user_id != null) {
      users.set(
        JSON.stringify([settings.org_id, user.clerk_user_id]),
        user.user_id,
      );
    }
  }
}
seedUsers();

function newUserId() {
  let id;
  do id = `usr_${++next}`;
  while (taken.has(id));
  return id;
}
const ROLES = { admin: "admin", member: "viewer" };

class InvalidClaims extends Error {
  constructor(reason, message) {
    super(message);
    this.reason = reason;
  }
}

function text(value, field) {
  if (typeof value !== "string" || value === "") {
    throw new InvalidClaims(
      `missing_${field}`,
      `${field} is ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function principal(auth) {
  const externalId = text(auth.userId, "user");
  const orgId = text(auth.orgId, "org");
  if (orgId !== settings.org_id) {
    throw new InvalidClaims("org_mismatch", `org ${orgId} is not trusted`);
  }
  const key = JSON.stringify([orgId, externalId]);
  if (!users.has(key)) users.set(key, newUserId());
  const name =
    typeof auth.orgRole === "string" ? auth.orgRole.replace(/^org:/, "") : "";
  return {
    user_id: users.get(key),
    external_id: externalId,
    org_id: orgId,
    role: ROLES[name] ?? "guest",
    session_id: typeof auth.sessionId === "string" ? auth.sessionId : "",
  };
}

const app = express();
app.post("/__harness/clock", express.json(), (req, res) => {
  frozen = Math.round(req.body.now * 1000);
  res.status(204).end();
});
app.post("/__harness/reset", (req, res) => {
  seedUsers();
  res.status(204).end();
});
app.use(
  "/whoami",
  clerkMiddleware({
    jwtKey: process.env.CLERK_HARNESS_JWT_KEY,
    publishableKey: `pk_live_${Buffer.from(`${frontendApi}$`).toString("base64")}`,
    secretKey: "sk_live_clerk_harness_offline",
    clockSkewInMs: settings.leeway_s * 1000,
    authorizedParties: settings.authorized_parties.length
      ? settings.authorized_parties
      : undefined,
  }),
);
app.all("/whoami", (req, res) => {
  const auth = getAuth(req);
  if (!auth.userId) {
    res
      .status(401)
      .json({ reason: "signed_out", message: String(auth.reason ?? "") });
    return;
  }
  try {
    res.json(principal(auth));
  } catch (error) {
    if (!(error instanceof InvalidClaims)) throw error;
    res.status(422).json({ reason: error.reason, message: error.message });
  }
});

app.listen(Number(process.env.CLERK_HARNESS_PORT), "127.0.0.1");
