// An Express app as Clerk's Express quickstart writes it, and nothing else: the keys from the
// environment (CLERK_PUBLISHABLE_KEY, CLERK_SECRET_KEY; .env through dotenv), clerkMiddleware()
// in its default configuration — it fetches the JWKS from Clerk's API with the secret key —
// and a route telling the front end who is signed in. No route is written for the harness.
import "dotenv/config";
import express from "express";
import { clerkMiddleware, getAuth } from "@clerk/express";

const app = express();
const PORT = process.env.PORT || 3000;

app.use(clerkMiddleware());

// The signed-in user, for the front end.
app.get("/me", (req, res) => {
  const { userId, sessionId, orgId, orgRole } = getAuth(req);
  if (!userId) {
    return res.status(401).json({ error: "Unauthenticated" });
  }
  res.json({ userId, sessionId, orgId, orgRole });
});

app.listen(PORT, () => {
  console.log(`Example app listening at http://localhost:${PORT}`);
});
