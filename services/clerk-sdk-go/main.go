// github.com/clerk/clerk-sdk-go/v2 behind the clerk-harness black-box wire contract (README,
// "Black-box mode"): the SDK's WithHeaderAuthorization middleware verifies offline with the
// harness's key, clerk.SessionClaimsFromContext reads the result, and the same minimal
// application as conformance/adapters/_app.py turns it into a principal.
//
// Glue, all of it:
//   - the harness's RSA key (CLERK_HARNESS_JWT_KEY, PEM) goes to the middleware's JSONWebKey
//     option (the SDK's networkless verification: a clerk.JSONWebKey, RS256, for every kid);
//     from CLERK_HARNESS_SETTINGS, leeway_s -> Leeway and authorized_parties, when set ->
//     AuthorizedPartyMatches; the SDK has no algorithm list (its key binds RS256) and no issuer
//     pin but ProxyURL, which is for proxied instances: algorithms and issuer are not passed,
//     and the SDK checks that iss has Clerk's form;
//   - the middleware's Clock option reads the harness's instant: POST /__harness/clock sets it;
//     POST /__harness/reset empties the user store but for the deployment's existing users;
//   - /whoami (any method) is the protected route; /callback is not provided (the SDK reads no
//     relayed form field), so it is a 404;
//   - signed out is a 401 {"reason", "message"}: "signed_out" when the middleware set no claims
//     (no Authorization: Bearer token, or one jwt.Decode cannot parse), "verification_failed"
//     from its AuthorizationFailureHandler, whose message is jwt.Verify's error for the same
//     token and options (the handler is not given the error, so it verifies once more); the
//     application's InvalidClaims is a 422.
//
// The application's part: the user is claims.Subject and the org claims.ActiveOrganizationID
// (the SDK reads the flat org_id, and v2's o.id when "v" is 2); a user or org that is empty is
// InvalidClaims, an org other than the pinned one InvalidClaims("org_mismatch"); the role is
// claims.ActiveOrganizationRole without one leading "org:" (admin -> admin, member -> viewer,
// anything else -> guest); the session id is claims.SessionID; users are got-or-created in
// memory by (org, user), under a mutex, the store starting with the settings' existing_users
// linked to a Clerk user (a new user gets an id none of them holds).
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"math"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
	clerkhttp "github.com/clerk/clerk-sdk-go/v2/http"
	"github.com/clerk/clerk-sdk-go/v2/jwt"
)

var settings struct {
	OrgID             string   `json:"org_id"`
	LeewayS           float64  `json:"leeway_s"`
	AuthorizedParties []string `json:"authorized_parties"`
	ExistingUsers     []struct {
		UserID      string  `json:"user_id"`
		ClerkUserID *string `json:"clerk_user_id"`
	} `json:"existing_users"`
}

// harnessClock is a clerk.Clock reading the harness's instant once it has set one.
type harnessClock struct {
	mu  sync.Mutex
	now *time.Time
}

func (c *harnessClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now != nil {
		return *c.now
	}
	return time.Now().UTC()
}

func (c *harnessClock) set(seconds float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	whole := math.Floor(seconds)
	now := time.Unix(int64(whole), int64(math.Round((seconds-whole)*1e9))).UTC()
	c.now = &now
}

var (
	mu    sync.Mutex
	users = map[[2]string]string{}
	taken = map[string]bool{}
	next  = 0
	roles = map[string]string{"admin": "admin", "member": "viewer"}
)

// seedUsers empties the user store but for the existing users linked to a Clerk user.
func seedUsers() {
	clear(users)
	clear(taken)
	next = 0
	for _, user := range settings.ExistingUsers {
		taken[user.UserID] = true
		if user.ClerkUserID != nil {
			users[[2]string{settings.OrgID, *user.ClerkUserID}] = user.UserID
		}
	}
}

type invalidClaims struct{ reason, message string }

func text(value, field string) (string, *invalidClaims) {
	if value == "" {
		return "", &invalidClaims{"missing_" + field, field + " is empty"}
	}
	return value, nil
}

func principal(claims *clerk.SessionClaims) (map[string]string, *invalidClaims) {
	externalID, invalid := text(claims.Subject, "user")
	if invalid != nil {
		return nil, invalid
	}
	orgID, invalid := text(claims.ActiveOrganizationID, "org")
	if invalid != nil {
		return nil, invalid
	}
	if orgID != settings.OrgID {
		return nil, &invalidClaims{"org_mismatch", fmt.Sprintf("org %q is not trusted", orgID)}
	}
	mu.Lock()
	key := [2]string{orgID, externalID}
	if _, ok := users[key]; !ok {
		userID := ""
		for userID == "" || taken[userID] {
			next++
			userID = fmt.Sprintf("usr_%d", next)
		}
		users[key] = userID
	}
	userID := users[key]
	mu.Unlock()
	role, ok := roles[strings.TrimPrefix(claims.ActiveOrganizationRole, "org:")]
	if !ok {
		role = "guest"
	}
	return map[string]string{
		"user_id": userID, "external_id": externalID, "org_id": orgID, "role": role,
		"session_id": claims.SessionID,
	}, nil
}

func answer(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func main() {
	if err := json.Unmarshal([]byte(os.Getenv("CLERK_HARNESS_SETTINGS")), &settings); err != nil {
		log.Fatalf("CLERK_HARNESS_SETTINGS: %v", err)
	}
	seedUsers()
	clock := &harnessClock{}
	options := []clerkhttp.AuthorizationOption{
		clerkhttp.JSONWebKey(os.Getenv("CLERK_HARNESS_JWT_KEY")),
		clerkhttp.Leeway(time.Duration(settings.LeewayS * float64(time.Second))),
		clerkhttp.Clock(clock),
	}
	if len(settings.AuthorizedParties) > 0 {
		options = append(options, clerkhttp.AuthorizedPartyMatches(settings.AuthorizedParties...))
	}
	failed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		params := &clerkhttp.AuthorizationParams{}
		for _, option := range options {
			_ = option(params)
		}
		// the middleware's default extractor, which is not exported
		params.Token = strings.TrimPrefix(strings.TrimSpace(r.Header.Get("Authorization")), "Bearer ")
		_, err := jwt.Verify(r.Context(), &params.VerifyParams)
		answer(w, http.StatusUnauthorized, map[string]string{"reason": "verification_failed", "message": fmt.Sprint(err)})
	})
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := clerk.SessionClaimsFromContext(r.Context())
		if !ok || claims == nil {
			answer(w, http.StatusUnauthorized, map[string]string{"reason": "signed_out", "message": "no session claims in the request context"})
			return
		}
		body, invalid := principal(claims)
		if invalid != nil {
			answer(w, http.StatusUnprocessableEntity, map[string]string{"reason": invalid.reason, "message": invalid.message})
			return
		}
		answer(w, http.StatusOK, body)
	})
	protected := clerkhttp.WithHeaderAuthorization(append(options, clerkhttp.AuthorizationFailureHandler(failed))...)(whoami)

	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST" && r.URL.Path == "/__harness/clock":
			var body struct{ Now float64 }
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				answer(w, http.StatusBadRequest, map[string]string{"reason": "bad_clock", "message": err.Error()})
				return
			}
			clock.set(body.Now)
			w.WriteHeader(http.StatusNoContent)
		case r.Method == "POST" && r.URL.Path == "/__harness/reset":
			mu.Lock()
			seedUsers()
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/whoami":
			protected.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("CLERK_HARNESS_PORT"), handler))
}
