package ref

import "strings"

// Identity is reference.claims.Identity.
type Identity struct {
	OrgID, ExternalID string
	Role              Role
	SessionID         string
}

// place is a top-level claim, or (with nested) a key of v2's "o".
type place struct {
	name   string
	nested bool
}

var (
	orgClaims  = []place{{"org_id", false}, {"id", true}}
	userClaims = []place{{"sub", false}, {"user_id", false}}
	roleClaims = []place{{"role", false}, {"org_role", false}, {"rol", true}}
)

// ClaimString is reference.claims.claim_string: "" when absent or null, the value when a
// non-empty string, InvalidClaims otherwise.
func ClaimString(claims map[string]any, name string) (string, error) {
	value := claims[name]
	if value == nil {
		return "", nil
	}
	if text, ok := value.(string); ok && text != "" {
		return text, nil
	}
	return "", InvalidClaims("malformed_"+name, "%s must be a non-empty string", name)
}

// nestedClaims is reference.claims.nested_claims: v2's "o" (empty when absent).
func nestedClaims(claims map[string]any) (map[string]any, error) {
	nested := claims["o"]
	if nested == nil {
		return map[string]any{}, nil
	}
	if object, ok := nested.(map[string]any); ok {
		return object, nil
	}
	return nil, InvalidClaims("malformed_o", "o must be an object")
}

// candidates is reference.claims.candidates: every present value of a field, in order.
func candidates(claims map[string]any, places []place) ([]string, error) {
	var found []string
	for _, p := range places {
		from := claims
		if p.nested {
			nested, err := nestedClaims(claims)
			if err != nil {
				return nil, err
			}
			from = nested
		}
		value, err := ClaimString(from, p.name)
		if err != nil {
			return nil, err
		}
		if value != "" {
			found = append(found, value)
		}
	}
	return found, nil
}

// singleValue is reference.claims.single_value.
func singleValue(values []string, field string) (string, error) {
	if len(values) == 0 {
		return "", InvalidClaims("missing_"+field, "no %s claim", field)
	}
	for _, value := range values {
		if value != values[0] {
			return "", InvalidClaims("conflicting_"+field, "%s claims disagree: %q", field, values)
		}
	}
	return values[0], nil
}

func field(claims map[string]any, places []place, name string) (string, error) {
	values, err := candidates(claims, places)
	if err != nil {
		return "", err
	}
	return singleValue(values, name)
}

// resolveRole is reference.claims.resolve_role.
func resolveRole(claims map[string]any) (Role, error) {
	values, err := candidates(claims, roleClaims)
	if err != nil {
		return "", err
	}
	var names []string
	for _, value := range values {
		name := strings.TrimPrefix(value, "org:")
		if name == "" {
			return "", InvalidClaims("malformed_role", "a role claim is empty once org: is dropped")
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return Guest, nil
	}
	name, err := singleValue(names, "role")
	return MapRole(name), err
}

// checkSessionStatus is reference.claims.check_session_status.
func checkSessionStatus(claims map[string]any) error {
	status, err := ClaimString(claims, "sts")
	if err != nil {
		return err
	}
	if status == "pending" {
		return Unauthorized("pending_session", "the session is pending (sign-in not complete)")
	}
	if status != "" && status != "active" {
		return Unauthorized("inactive_session", "session status %q", status)
	}
	return nil
}

// ResolveIdentity is reference.claims.resolve_identity: org, user, role and sid from verified
// claims of any Clerk shape.
func ResolveIdentity(claims map[string]any) (Identity, error) {
	org, err := field(claims, orgClaims, "org")
	if err != nil {
		return Identity{}, err
	}
	user, err := field(claims, userClaims, "user")
	if err != nil {
		return Identity{}, err
	}
	role, err := resolveRole(claims)
	if err != nil {
		return Identity{}, err
	}
	sid, err := ClaimString(claims, "sid")
	if err != nil {
		return Identity{}, err
	}
	return Identity{org, user, role, sid}, checkSessionStatus(claims)
}
