// Package upstream holds what the seed's code before and after its fix share
// (conformance/catalogue/upstream_after_fix.py): the first-string claim reads and clerkRole.
package upstream

import "clerk-harness/services/go-seed/internal/ref"

// FirstString is first_string: the first non-empty string among values, or "".
func FirstString(values ...any) string {
	for _, value := range values {
		if text, ok := value.(string); ok && text != "" {
			return text
		}
	}
	return ""
}

// Nested is nested: v2's "o" when it is an object, else empty.
func Nested(claims map[string]any) map[string]any {
	if object, ok := claims["o"].(map[string]any); ok {
		return object
	}
	return map[string]any{}
}

// ClerkRole is the fixed code's clerkRole: the first role claim, two spellings recognised —
// "admin" is admin, "org:guest" guest, anything else (none included) viewer.
func ClerkRole(claims map[string]any) ref.Role {
	switch FirstString(claims["org_role"], Nested(claims)["rol"], claims["role"]) {
	case "admin":
		return ref.Admin
	case "org:guest":
		return ref.Guest
	}
	return ref.Viewer
}
