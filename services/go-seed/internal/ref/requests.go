package ref

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The cookie, the relayed form field and the form type of reference.requests.
const (
	SessionCookie = "__session"
	RelayField    = "clerk_session_token"
	formType      = "application/x-www-form-urlencoded"
)

// Request is reference.Request as it reached the service: method, headers (in order within a
// name, duplicates kept), the raw query string and the body.
type Request struct {
	Method   string
	Header   http.Header
	RawQuery string
	Body     []byte
	HTTP     *http.Request // the request itself, its body rewound
}

// strip is Python's str.strip(): Unicode whitespace (and U+001C–U+001F) off both ends.
func strip(text string) string {
	return strings.TrimFunc(text, func(r rune) bool { return unicode.IsSpace(r) || 0x1c <= r && r <= 0x1f })
}

// readable is reference.requests.readable: visible ASCII, spaces and tabs only.
func readable(value string) bool {
	for i := 0; i < len(value); i++ {
		if c := value[i]; c != '\t' && (c < ' ' || c > '~') {
			return false
		}
	}
	return true
}

// BearerToken is reference.requests.bearer_token: the token of the one Authorization: Bearer
// header (scheme case-insensitive), or "". A value with a non-ASCII character or a control byte
// is refused, never taken for no header.
func BearerToken(r *Request) (string, error) {
	values := r.Header.Values("Authorization")
	if len(values) > 1 {
		return "", Unauthorized("ambiguous_authorization", "several Authorization headers")
	}
	if len(values) == 0 {
		return "", nil
	}
	if !readable(values[0]) {
		return "", Unauthorized("malformed_authorization", "a non-ASCII or control character")
	}
	scheme, token, _ := strings.Cut(strip(values[0]), " ")
	if strings.ToLower(scheme) != "bearer" {
		return "", nil
	}
	if token = strip(token); token == "" {
		return "", Unauthorized("malformed_authorization", "Bearer with no token")
	}
	return token, nil
}

// Cookies is reference.requests.cookies: every pair of every Cookie header, in order.
func Cookies(r *Request) [][2]string {
	var pairs [][2]string
	for _, header := range r.Header.Values("Cookie") {
		for _, fragment := range strings.Split(header, ";") {
			name, value, found := strings.Cut(strip(fragment), "=")
			if found {
				pairs = append(pairs, [2]string{strip(name), strip(value)})
			}
		}
	}
	return pairs
}

// SessionCookieValue is reference.requests.session_cookie: the one __session cookie, or "".
func SessionCookieValue(r *Request) (string, error) {
	var values []string
	for _, pair := range Cookies(r) {
		if pair[0] == SessionCookie {
			values = append(values, pair[1])
		}
	}
	if len(values) > 1 {
		return "", Unauthorized("ambiguous_cookie", "several __session cookies")
	}
	if len(values) == 0 {
		return "", nil
	}
	return values[0], nil
}

// AmbientToken is reference.requests.ambient_token: Bearer, else the __session cookie; "" when
// neither.
func AmbientToken(r *Request) (string, error) {
	token, err := BearerToken(r)
	if err != nil || token != "" {
		return token, err
	}
	return SessionCookieValue(r)
}

// percentDecode is reference.requests.percent_decode: strict form decoding of one name or value.
func percentDecode(text string) (string, error) {
	text = strings.ReplaceAll(text, "+", " ")
	var out []byte
	for i := 0; i < len(text); i++ {
		if text[i] != '%' {
			out = append(out, text[i])
			continue
		}
		if !isHex(text, i+1) || !isHex(text, i+2) {
			return "", Unauthorized("malformed_body", "bad percent-encoding")
		}
		out = append(out, unhex(text[i+1])<<4|unhex(text[i+2]))
		i += 2
	}
	if !utf8.Valid(out) {
		return "", Unauthorized("malformed_body", "percent-encoded bytes are not UTF-8")
	}
	return string(out), nil
}

func isHex(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	c := text[i]
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// FormFields is reference.requests.form_fields: the fields of a form body, in order.
func FormFields(body []byte) ([][2]string, error) {
	for _, b := range body {
		if b >= 0x80 {
			return nil, Unauthorized("malformed_body", "form body is not ASCII")
		}
	}
	var fields [][2]string
	for _, part := range strings.Split(string(body), "&") {
		if part == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(part, "=")
		name, err := percentDecode(rawName)
		if err != nil {
			return nil, err
		}
		value, err := percentDecode(rawValue)
		if err != nil {
			return nil, err
		}
		fields = append(fields, [2]string{name, value})
	}
	return fields, nil
}

// IsFormPost is reference.requests.is_form_post: a POST of one form Content-Type.
func IsFormPost(r *Request) (bool, error) {
	if r.Method != "POST" {
		return false, nil
	}
	types := r.Header.Values("Content-Type")
	if len(types) > 1 || len(types) == 1 && strings.Contains(types[0], ",") {
		return false, Unauthorized("ambiguous_content_type", "several Content-Type values")
	}
	if len(types) == 0 {
		return false, nil
	}
	kind, _, _ := strings.Cut(types[0], ";")
	return strings.ToLower(strip(kind)) == formType, nil
}

// RelayedToken is reference.requests.relayed_token: the first clerk_session_token field of a
// form POST body, or "".
func RelayedToken(r *Request) (string, error) {
	form, err := IsFormPost(r)
	if err != nil || !form {
		return "", err
	}
	fields, err := FormFields(r.Body)
	if err != nil {
		return "", err
	}
	for _, field := range fields {
		if field[0] == RelayField {
			return field[1], nil
		}
	}
	return "", nil
}

// LooksLikeJWT is reference.requests.looks_like_jwt: three non-empty dot-separated segments.
func LooksLikeJWT(token string) bool {
	parts := strings.Split(token, ".")
	return len(parts) == 3 && parts[0] != "" && parts[1] != "" && parts[2] != ""
}
