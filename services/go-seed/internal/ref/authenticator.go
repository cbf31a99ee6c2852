package ref

// Deployment is what one instance is configured with: settings, the JWKS and the clock.
type Deployment struct {
	Settings Settings
	Keys     KeySet
	Clock    *Clock
}

// Settings is reference.Settings (its JWKS apart: Deployment.Keys).
type Settings struct {
	OrgID             string      `json:"org_id"`
	Algorithms        []string    `json:"algorithms"`
	LeewayS           float64     `json:"leeway_s"`
	CacheTTLS         float64     `json:"cache_ttl_s"`
	AuthorizedParties []string    `json:"authorized_parties"`
	Issuer            *string     `json:"issuer"`
	ExistingUsers     []LocalUser `json:"existing_users"`
}

// LocalUser is reference.LocalUser: an account the store holds before the service starts.
type LocalUser struct {
	UserID      string  `json:"user_id"`
	Email       string  `json:"email"`
	Username    string  `json:"username"`
	ClerkUserID *string `json:"clerk_user_id"`
}

// Reference is reference.ReferenceAuthenticator's state and the steps the seed's renditions
// keep: identify (org pin), the cached user record, the ambient and callback token reads.
type Reference struct {
	*Deployment
	Users *UserStore
	Cache *TTLCache[UserKey, UserRecord]
}

// NewReference is ReferenceAuthenticator(settings).
func NewReference(d *Deployment) *Reference {
	return &Reference{
		Deployment: d,
		Users:      NewUserStore(d.Settings.OrgID, d.Settings.ExistingUsers),
		Cache:      NewTTLCache[UserKey, UserRecord](d.Settings.CacheTTLS, d.Clock),
	}
}

// Identify is ReferenceAuthenticator.identify: the identity, pinned to the trusted org.
func (a *Reference) Identify(claims map[string]any) (Identity, error) {
	identity, err := ResolveIdentity(claims)
	if err != nil {
		return Identity{}, err
	}
	if identity.OrgID != a.Settings.OrgID {
		return Identity{}, InvalidClaims("org_mismatch", "org %q is not trusted", identity.OrgID)
	}
	return identity, nil
}

// UserRecord is ReferenceAuthenticator.user_record: from the cache, else the store (cached).
func (a *Reference) UserRecord(key UserKey) UserRecord {
	record, ok := a.Cache.Get(key)
	if !ok {
		record = a.Users.GetOrCreate(key)
		a.Cache.Put(key, record)
	}
	return record
}

// RequestToken is the token ReferenceAuthenticator.authenticate_request reads: the ambient one.
func RequestToken(r *Request) (string, error) {
	token, err := AmbientToken(r)
	if err == nil && token == "" {
		err = Unauthorized("no_token", "no Bearer token or __session cookie")
	}
	return token, err
}

// CallbackToken is the token ReferenceAuthenticator.callback_subject reads: the relayed body
// token first, then the ambient one; it must look like a session JWT.
func CallbackToken(r *Request) (string, error) {
	token, err := RelayedToken(r)
	if err == nil && token == "" {
		token, err = AmbientToken(r)
	}
	if err != nil {
		return "", err
	}
	if token == "" {
		return "", Unauthorized("no_token", "no relayed, Bearer or cookie token")
	}
	if !LooksLikeJWT(token) {
		return "", Unauthorized("not_a_session_token", "the callback accepts session JWTs only")
	}
	return token, nil
}
