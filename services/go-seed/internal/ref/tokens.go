package ref

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenChars and MaxJSONDepth are reference.tokens' limits.
const (
	MaxTokenChars = 16 * 1024
	MaxJSONDepth  = 32
)

// Key is one JWK of the configured JWKS: its public key and the algorithm it binds (PyJWK).
type Key struct {
	Algorithm string
	Public    any
}

// KeySet is reference.tokens.KeySet: kid → key.
type KeySet map[string]Key

// ParseJWKS is KeySet(jwks): every key with a non-empty string kid (a later one wins).
func ParseJWKS(document []byte) (KeySet, error) {
	var jwks struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(document, &jwks); err != nil {
		return nil, err
	}
	keys := KeySet{}
	for _, jwk := range jwks.Keys {
		kid, _ := jwk["kid"].(string)
		if kid == "" {
			continue
		}
		key, err := parseJWK(jwk)
		if err != nil {
			return nil, fmt.Errorf("kid %q: %w", kid, err)
		}
		keys[kid] = key
	}
	return keys, nil
}

func parseJWK(jwk map[string]any) (Key, error) {
	number := func(name string) (*big.Int, error) {
		text, _ := jwk[name].(string)
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(text, "="))
		if err != nil || len(raw) == 0 {
			return nil, fmt.Errorf("bad %s", name)
		}
		return new(big.Int).SetBytes(raw), nil
	}
	alg, _ := jwk["alg"].(string)
	switch jwk["kty"] {
	case "RSA":
		n, err := number("n")
		if err != nil {
			return Key{}, err
		}
		e, err := number("e")
		if err != nil || !e.IsInt64() {
			return Key{}, fmt.Errorf("bad e")
		}
		return Key{cmp(alg, "RS256"), &rsa.PublicKey{N: n, E: int(e.Int64())}}, nil
	case "EC":
		if jwk["crv"] != "P-256" {
			return Key{}, fmt.Errorf("unsupported curve %v", jwk["crv"])
		}
		x, err := number("x")
		if err != nil {
			return Key{}, err
		}
		y, err := number("y")
		if err != nil {
			return Key{}, err
		}
		return Key{cmp(alg, "ES256"), &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y}}, nil
	}
	return Key{}, fmt.Errorf("unsupported kty %v", jwk["kty"])
}

func cmp(value, fallback string) string {
	if value != "" {
		return value
	}
	return fallback
}

// b64urlDecode is reference.tokens.b64url_decode: strict, canonical, unpadded base64url.
func b64urlDecode(segment string) ([]byte, error) {
	for i := 0; i < len(segment); i++ {
		c := segment[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return nil, Unauthorized("malformed", "a segment is not base64url")
		}
	}
	if len(segment)%4 == 1 {
		return nil, Unauthorized("malformed", "a segment is not base64url")
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(segment)
	if err != nil {
		return nil, Unauthorized("malformed", "a segment is not canonical base64url")
	}
	return raw, nil
}

// compactSegments is reference.tokens.compact_segments.
func compactSegments(token string) ([][]byte, error) {
	if utf8.RuneCountInString(token) > MaxTokenChars {
		return nil, Unauthorized("too_large", "longer than %d characters", MaxTokenChars)
	}
	if strings.Count(token, ".") != 2 {
		return nil, Unauthorized("malformed", "not a compact JWS (three segments)")
	}
	var segments [][]byte
	for _, segment := range strings.Split(token, ".") {
		raw, err := b64urlDecode(segment)
		if err != nil {
			return nil, err
		}
		segments = append(segments, raw)
	}
	return segments, nil
}

// jsonDepth is reference.tokens.json_depth.
func jsonDepth(value any) int {
	type item struct {
		value any
		depth int
	}
	deepest, stack := 0, []item{{value, 0}}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		var children []any
		switch v := top.value.(type) {
		case map[string]any:
			for _, child := range v {
				children = append(children, child)
			}
		case []any:
			children = v
		default:
			continue
		}
		deepest = max(deepest, top.depth+1)
		for _, child := range children {
			stack = append(stack, item{child, top.depth + 1})
		}
	}
	return deepest
}

// ParseJSONObject is reference.tokens.parse_json_object: strict UTF-8 JSON, an object at the
// top, at most MaxJSONDepth deep; numbers kept as written (json.Number).
func ParseJSONObject(raw []byte, part string) (map[string]any, error) {
	if !utf8.Valid(raw) {
		return nil, Unauthorized("malformed", "%s is not JSON", part)
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var value any
	if err := decoder.Decode(&value); err != nil {
		return nil, Unauthorized("malformed", "%s is not JSON", part)
	}
	if _, err := decoder.Token(); err != io.EOF {
		return nil, Unauthorized("malformed", "%s is not JSON", part)
	}
	object, ok := value.(map[string]any)
	if !ok {
		return nil, Unauthorized("malformed", "%s is not a JSON object", part)
	}
	if jsonDepth(object) > MaxJSONDepth {
		return nil, Unauthorized("malformed", "%s nests deeper than %d", part, MaxJSONDepth)
	}
	return object, nil
}

// ReadHeader is reference.tokens.read_header: the unverified JOSE header.
func ReadHeader(token string) (map[string]any, error) {
	segments, err := compactSegments(token)
	if err != nil {
		return nil, err
	}
	return ParseJSONObject(segments[0], "header")
}

// VerifySignature is reference.tokens.verify_signature: the signature checked with the JWKS
// key the header's kid names (by golang-jwt, for the key's algorithm); the payload's claims.
func (keys KeySet) VerifySignature(token string, algorithms []string) (map[string]any, error) {
	segments, err := compactSegments(token)
	if err != nil {
		return nil, err
	}
	header, err := ParseJSONObject(segments[0], "header")
	if err != nil {
		return nil, err
	}
	alg, ok := header["alg"].(string)
	if !ok || !slices.Contains(algorithms, alg) {
		return nil, Unauthorized("alg_not_allowed", "alg %v is not in %v", header["alg"], algorithms)
	}
	if _, ok := header["crit"]; ok {
		return nil, Unauthorized("unknown_crit", "unsupported critical extensions %v", header["crit"])
	}
	if header["kid"] == nil {
		return nil, Unauthorized("missing_kid", "the header names no key")
	}
	kid, _ := header["kid"].(string)
	key, ok := keys[kid]
	if !ok {
		return nil, Unauthorized("unknown_kid", "kid %v is not in the JWKS", header["kid"])
	}
	if key.Algorithm != alg {
		return nil, Unauthorized("alg_not_allowed", "kid names a %s key, not %s", key.Algorithm, alg)
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{alg}), jwt.WithJSONNumber(), jwt.WithStrictDecoding(),
		jwt.WithoutClaimsValidation(),
	)
	_, err = parser.Parse(token, func(*jwt.Token) (any, error) { return key.Public, nil })
	if errors.Is(err, jwt.ErrTokenSignatureInvalid) {
		return nil, Unauthorized("bad_signature", "signature verification failed: %v", err)
	}
	if err != nil {
		return nil, Unauthorized("malformed", "unverifiable: %v", err)
	}
	return ParseJSONObject(segments[1], "payload")
}

// NumericDate is reference.tokens.numeric_date: a finite JSON number; ok false when absent or
// null.
func NumericDate(claims map[string]any, name string) (seconds float64, ok bool, err error) {
	value := claims[name]
	if value == nil {
		return 0, false, nil
	}
	number, isNumber := value.(json.Number)
	if !isNumber {
		return 0, false, Unauthorized("malformed_"+name, "%s must be a number", name)
	}
	seconds, err = strconv.ParseFloat(string(number), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsInf(seconds, 0) {
		return 0, false, Unauthorized("malformed_"+name, "%s must be a finite number", name)
	}
	return seconds, true, nil
}

// CheckTimes is reference.tokens.check_times: exp, nbf and iat with leeway seconds; those in
// required must be present.
func CheckTimes(claims map[string]any, now, leeway float64, required ...string) error {
	names := []string{"exp", "nbf", "iat"}
	times, present := map[string]float64{}, map[string]bool{}
	for _, name := range names {
		seconds, ok, err := NumericDate(claims, name)
		if err != nil {
			return err
		}
		if !ok && slices.Contains(required, name) {
			return Unauthorized("missing_"+name, "%s is required", name)
		}
		times[name], present[name] = seconds, ok
	}
	if present["exp"] && times["exp"] <= now-leeway {
		return Unauthorized("expired", "expired at %v, now %v", times["exp"], now)
	}
	if present["nbf"] && times["nbf"] > now+leeway {
		return Unauthorized("not_yet_valid", "not before %v, now %v", times["nbf"], now)
	}
	if present["iat"] && times["iat"] > now+leeway {
		return Unauthorized("issued_in_future", "issued at %v, now %v", times["iat"], now)
	}
	return nil
}

// CheckAudience is reference.tokens.check_audience: azp listed when parties are set; iss equal
// when pinned.
func CheckAudience(claims map[string]any, settings Settings) error {
	azp, _ := claims["azp"].(string)
	if len(settings.AuthorizedParties) > 0 {
		if _, isString := claims["azp"].(string); !isString || !slices.Contains(settings.AuthorizedParties, azp) {
			return Unauthorized("bad_azp", "azp %v is not authorized", claims["azp"])
		}
	}
	if settings.Issuer != nil {
		if iss, ok := claims["iss"].(string); !ok || iss != *settings.Issuer {
			return Unauthorized("bad_iss", "iss %v is not %q", claims["iss"], *settings.Issuer)
		}
	}
	return nil
}

// The JOSE header category of Clerk's M2M JWTs, and RFC 9068's OAuth access-token types.
const m2mJWTCategory = "cl_B7d4PD333AAA"

// CheckSessionClass is reference.tokens.check_session_class: not a machine's token.
func CheckSessionClass(header, claims map[string]any) error {
	if typ, ok := header["typ"].(string); ok {
		if lower := strings.ToLower(typ); lower == "at+jwt" || lower == "application/at+jwt" {
			return Unauthorized("not_a_session_token", "an OAuth access token (typ %q)", typ)
		}
	}
	if header["cat"] == m2mJWTCategory {
		return Unauthorized("not_a_session_token", "an M2M token (its header's cat)")
	}
	if sub, ok := claims["sub"].(string); ok && strings.HasPrefix(sub, "mch_") {
		return Unauthorized("not_a_session_token", "a machine's token (sub %q)", sub)
	}
	return nil
}

// VerifyToken is reference.tokens.verify_token with its default required times (exp, iat).
func (d *Deployment) VerifyToken(token string) (map[string]any, error) {
	claims, err := d.Keys.VerifySignature(token, d.Settings.Algorithms)
	if err != nil {
		return nil, err
	}
	header, err := ReadHeader(token)
	if err != nil {
		return nil, err
	}
	if err := CheckSessionClass(header, claims); err != nil {
		return nil, err
	}
	if err := CheckTimes(claims, d.Clock.Now(), d.Settings.LeewayS, "exp", "iat"); err != nil {
		return nil, err
	}
	if err := CheckAudience(claims, d.Settings); err != nil {
		return nil, err
	}
	return claims, nil
}
