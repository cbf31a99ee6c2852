// The reference behind the clerk-harness wire contract but for one flaw: "the current user" is
// kept in a field of the instance between the cache lookup and building the principal — the
// shape of code that began as a request-scoped object and became a singleton — and the login is
// recorded in between. Correct one login at a time; two concurrent logins can each leave with
// the other's user. Its Python twin is conformance/catalogue/shared_current_user.py.
package main

import (
	"sync"
	"sync/atomic"
	"time"

	"clerk-harness/services/go-seed/internal/ref"
)

// loginWrite stands for the round trip of the "last seen" write to the database.
const loginWrite = time.Millisecond

type sharedCurrentUser struct {
	*ref.Reference
	current atomic.Pointer[ref.UserRecord] // atomic, so race-free; shared, so wrong

	mu        sync.Mutex
	lastLogin map[ref.UserKey]float64
}

// recordLogin notes when the user last logged in — a "last seen" column: I/O.
func (a *sharedCurrentUser) recordLogin(key ref.UserKey) {
	time.Sleep(loginWrite)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lastLogin[key] = a.Clock.Now()
}

func (a *sharedCurrentUser) authenticateClaims(claims map[string]any) (ref.Principal, error) {
	identity, err := a.Identify(claims)
	if err != nil {
		return ref.Principal{}, err
	}
	key := ref.UserKey{Org: identity.OrgID, User: identity.ExternalID}
	record := a.UserRecord(key)
	a.current.Store(&record)
	a.recordLogin(key)
	user := a.current.Load()
	return ref.Principal{
		UserID: user.UserID, ExternalID: user.ExternalID, OrgID: user.OrgID,
		Role: identity.Role, SessionID: identity.SessionID,
	}, nil
}

func (a *sharedCurrentUser) authenticateToken(token string) (ref.Principal, error) {
	claims, err := a.VerifyToken(token)
	if err != nil {
		return ref.Principal{}, err
	}
	return a.authenticateClaims(claims)
}

func (a *sharedCurrentUser) AuthenticateRequest(r *ref.Request) (ref.Principal, error) {
	token, err := ref.RequestToken(r)
	if err != nil {
		return ref.Principal{}, err
	}
	return a.authenticateToken(token)
}

func (a *sharedCurrentUser) CallbackSubject(r *ref.Request) (ref.Principal, error) {
	token, err := ref.CallbackToken(r)
	if err != nil {
		return ref.Principal{}, err
	}
	return a.authenticateToken(token)
}

func main() {
	ref.Serve(func(d *ref.Deployment) ref.App {
		return &sharedCurrentUser{Reference: ref.NewReference(d), lastLogin: map[ref.UserKey]float64{}}
	})
}
