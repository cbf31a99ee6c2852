// The seed's backend after its fix in Go, behind the clerk-harness wire contract; its Python
// twin is conformance/catalogue/upstream_after_fix.py. The seed bug is gone (org checked first,
// user required, users cached by org and user with a TTL, sid kept out, the relayed body token
// first), but what its five example tests never asked about remains:
//
//   - user_id is preferred over sub and org_id over o.id, silently, when they differ;
//   - roles map "admin" to admin, "org:guest" to guest, anything else to viewer;
//   - the session status sts is ignored, so pending sessions log in;
//   - like its JWT library's defaults, a token without exp is accepted (nbf and iat unread).
//
// Everything else is the reference's (internal/ref).
package main

import (
	"clerk-harness/services/go-seed/internal/ref"
	"clerk-harness/services/go-seed/internal/upstream"
)

type afterFix struct{ *ref.Reference }

func (a afterFix) authenticateClaims(claims map[string]any) (ref.Principal, error) {
	orgID := upstream.FirstString(claims["org_id"], upstream.Nested(claims)["id"])
	if orgID == "" {
		return ref.Principal{}, ref.InvalidClaims("missing_org", "")
	}
	if orgID != a.Settings.OrgID {
		return ref.Principal{}, ref.InvalidClaims("org_mismatch", "%s", orgID)
	}
	externalID := upstream.FirstString(claims["user_id"], claims["sub"])
	if externalID == "" {
		return ref.Principal{}, ref.InvalidClaims("missing_user", "")
	}
	record := a.UserRecord(ref.UserKey{Org: orgID, User: externalID})
	return ref.Principal{
		UserID: record.UserID, ExternalID: externalID, OrgID: orgID,
		Role: upstream.ClerkRole(claims), SessionID: upstream.FirstString(claims["sid"]),
	}, nil
}

func (a afterFix) authenticateToken(token string) (ref.Principal, error) {
	claims, err := a.Keys.VerifySignature(token, a.Settings.Algorithms)
	if err != nil {
		return ref.Principal{}, err
	}
	header, err := ref.ReadHeader(token)
	if err == nil {
		err = ref.CheckSessionClass(header, claims)
	}
	if err != nil {
		return ref.Principal{}, err
	}
	exp, present, err := ref.NumericDate(claims, "exp") // a missing exp: accepted
	if err != nil {
		return ref.Principal{}, err
	}
	if present && exp <= a.Clock.Now()-a.Settings.LeewayS {
		return ref.Principal{}, ref.InvalidClaims("expired", "")
	}
	if err := ref.CheckAudience(claims, a.Settings); err != nil {
		return ref.Principal{}, err
	}
	return a.authenticateClaims(claims)
}

func (a afterFix) AuthenticateRequest(r *ref.Request) (ref.Principal, error) {
	token, err := ref.RequestToken(r)
	if err != nil {
		return ref.Principal{}, err
	}
	return a.authenticateToken(token)
}

func (a afterFix) CallbackSubject(r *ref.Request) (ref.Principal, error) {
	token, err := ref.CallbackToken(r)
	if err != nil {
		return ref.Principal{}, err
	}
	return a.authenticateToken(token)
}

func main() {
	ref.Serve(func(d *ref.Deployment) ref.App { return afterFix{ref.NewReference(d)} })
}
