// The seed's backend before its fix (flanksource/mission-control #3298) in Go, behind the
// clerk-harness wire contract; its Python twin is conformance/catalogue/upstream_before_fix.py.
//
//   - Claims are read with fmt.Sprint: a missing one becomes "<nil>" (the twin's "None").
//   - Users are cached under the stringified sid — every sid-less (JWT-template) token shares
//     the key "<nil>" — and the cache is read before the org is checked.
//   - The user is the stringified user_id template claim, the org the stringified flat org_id
//     (v2's o.id unknown), the role the fixed code's clerkRole; sts is not read.
//   - The callback takes the ambient credential (Bearer, then __session) before the relayed
//     token, which it reads with FormValue: the form body, else the query string.
//
// Everything else is the reference's (internal/ref): token verification, the ambient read of
// /whoami, the user store.
package main

import (
	"fmt"

	"clerk-harness/services/go-seed/internal/ref"
	"clerk-harness/services/go-seed/internal/upstream"
)

type beforeFix struct {
	*ref.Reference
	bySession *ref.TTLCache[string, ref.Principal]
}

func (a *beforeFix) authenticateClaims(claims map[string]any) (ref.Principal, error) {
	sessionID := fmt.Sprint(claims["sid"])
	if cached, ok := a.bySession.Get(sessionID); ok {
		return cached, nil
	}
	orgID := fmt.Sprint(claims["org_id"])
	if orgID != a.Settings.OrgID {
		return ref.Principal{}, ref.Unauthorized("org_mismatch", "%s", orgID)
	}
	externalID := fmt.Sprint(claims["user_id"])
	record := a.Users.GetOrCreate(ref.UserKey{Org: orgID, User: externalID})
	principal := ref.Principal{
		UserID: record.UserID, ExternalID: externalID, OrgID: orgID,
		Role: upstream.ClerkRole(claims), SessionID: sessionID,
	}
	a.bySession.Put(sessionID, principal)
	return principal, nil
}

func (a *beforeFix) authenticateToken(token string) (ref.Principal, error) {
	claims, err := a.VerifyToken(token)
	if err != nil {
		return ref.Principal{}, err
	}
	return a.authenticateClaims(claims)
}

func (a *beforeFix) AuthenticateRequest(r *ref.Request) (ref.Principal, error) {
	token, err := ref.RequestToken(r)
	if err != nil {
		return ref.Principal{}, err
	}
	return a.authenticateToken(token)
}

func (a *beforeFix) CallbackSubject(r *ref.Request) (ref.Principal, error) {
	token, err := ref.AmbientToken(r)
	if err != nil {
		return ref.Principal{}, err
	}
	if token == "" {
		token = r.HTTP.FormValue(ref.RelayField)
	}
	if token == "" {
		return ref.Principal{}, ref.Unauthorized("no_token", "")
	}
	return a.authenticateToken(token)
}

func main() {
	ref.Serve(func(d *ref.Deployment) ref.App {
		return &beforeFix{ref.NewReference(d), ref.NewTTLCache[string, ref.Principal](d.Settings.CacheTTLS, d.Clock)}
	})
}
