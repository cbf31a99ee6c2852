package ref

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync"
)

// App is one instance: the wire contract's two entry points.
type App interface {
	AuthenticateRequest(r *Request) (Principal, error) // GET /whoami
	CallbackSubject(r *Request) (Principal, error)     // /callback
}

// Serve answers the wire contract on 127.0.0.1:$CLERK_HARNESS_PORT with the instance build
// makes from the harness's environment: /whoami and /callback; POST /__harness/reset (a new
// instance) and POST /__harness/clock (the clock frozen at {"now"}). A principal is 200 and its
// JSON, an InvalidClaims 422 and an Unauthorized 401 with {"reason", "message"}, anything else
// (a panic) 500; an unknown route 404.
func Serve(build func(*Deployment) App) {
	var settings Settings
	if err := json.Unmarshal([]byte(os.Getenv("CLERK_HARNESS_SETTINGS")), &settings); err != nil {
		log.Fatalf("CLERK_HARNESS_SETTINGS: %v", err)
	}
	keys, err := ParseJWKS([]byte(os.Getenv("CLERK_HARNESS_JWKS")))
	if err != nil {
		log.Fatalf("CLERK_HARNESS_JWKS: %v", err)
	}
	deployment := &Deployment{settings, keys, &Clock{}}
	var mu sync.RWMutex
	app := build(deployment)
	current := func() App {
		mu.RLock()
		defer mu.RUnlock()
		return app
	}
	handler := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		switch {
		case r.Method == "POST" && r.URL.Path == "/__harness/reset":
			mu.Lock()
			app = build(deployment)
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		case r.Method == "POST" && r.URL.Path == "/__harness/clock":
			var clock struct{ Now float64 }
			if err := json.Unmarshal(body, &clock); err != nil {
				answer(w, http.StatusBadRequest, map[string]string{"reason": "bad_clock", "message": err.Error()})
				return
			}
			deployment.Clock.Set(clock.Now)
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/whoami":
			call(w, r, body, current().AuthenticateRequest)
		case r.URL.Path == "/callback":
			call(w, r, body, current().CallbackSubject)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}
	address := "127.0.0.1:" + os.Getenv("CLERK_HARNESS_PORT")
	log.Fatal(http.ListenAndServe(address, http.HandlerFunc(handler)))
}

func call(w http.ResponseWriter, r *http.Request, body []byte, method func(*Request) (Principal, error)) {
	defer func() {
		if crash := recover(); crash != nil {
			answer(w, http.StatusInternalServerError, map[string]string{"reason": "crash", "message": fmt.Sprint(crash)})
		}
	}()
	principal, err := method(&Request{r.Method, r.Header, r.URL.RawQuery, body, r})
	var refusal *AuthError
	switch {
	case err == nil:
		answer(w, http.StatusOK, principal)
	case errors.As(err, &refusal) && refusal.Invalid:
		answer(w, http.StatusUnprocessableEntity, map[string]string{"reason": refusal.Reason, "message": refusal.Detail})
	case errors.As(err, &refusal):
		answer(w, http.StatusUnauthorized, map[string]string{"reason": refusal.Reason, "message": refusal.Detail})
	default:
		answer(w, http.StatusInternalServerError, map[string]string{"reason": "crash", "message": err.Error()})
	}
}

func answer(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	encoder := json.NewEncoder(w)
	encoder.SetEscapeHTML(false)
	_ = encoder.Encode(body)
}
