// Package ref is conformance's reference authenticator (reference/ in the harness) in Go, as far
// as the seed's Go renditions inherit it — token verification, reading tokens out of requests,
// claim resolution, the TTL cache and the user store — and the black-box wire contract around it
// (README, "Black-box mode"). Each function names the Python function it mirrors.
package ref

import "fmt"

// AuthError is every rejection (reference.errors.AuthError): Invalid marks InvalidClaims (the
// token verified but its claims name no user: 422), otherwise Unauthorized (401).
type AuthError struct {
	Invalid bool
	Reason  string
	Detail  string
}

func (e *AuthError) Error() string {
	if e.Detail == "" {
		return e.Reason
	}
	return e.Reason + ": " + e.Detail
}

// Unauthorized is reference.errors.Unauthorized.
func Unauthorized(reason string, format string, args ...any) error {
	return &AuthError{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// InvalidClaims is reference.errors.InvalidClaims.
func InvalidClaims(reason string, format string, args ...any) error {
	return &AuthError{Invalid: true, Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Role is reference.Role's value on the wire.
type Role string

// The three roles, least privilege first.
const (
	Guest  Role = "guest"
	Viewer Role = "viewer"
	Admin  Role = "admin"
)

// MapRole is reference.roles.map_role: a name without "org:" → a role; unknown → guest.
func MapRole(name string) Role {
	switch name {
	case "admin":
		return Admin
	case "member":
		return Viewer
	}
	return Guest
}

// Principal is reference.Principal, as the wire contract's JSON.
type Principal struct {
	UserID     string `json:"user_id"`
	ExternalID string `json:"external_id"`
	OrgID      string `json:"org_id"`
	Role       Role   `json:"role"`
	SessionID  string `json:"session_id"`
}
