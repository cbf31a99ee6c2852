package ref

import (
	"container/list"
	"fmt"
	"sync"
	"time"
)

// Clock is the service's time (Python's time.time() under the harness's freezegun): real time
// until POST /__harness/clock sets an instant, which it then reads until the next one.
type Clock struct {
	mu     sync.Mutex
	frozen *float64
}

// Now is time.time(): unix seconds.
func (c *Clock) Now() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen != nil {
		return *c.frozen
	}
	return float64(time.Now().UnixNano()) / 1e9
}

// Set freezes the clock at now.
func (c *Clock) Set(now float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen = &now
}

// UserKey is reference.cache.UserKey: (org_id, external_id).
type UserKey struct{ Org, User string }

// UserRecord is reference.UserRecord.
type UserRecord struct{ UserID, OrgID, ExternalID string }

// UserStore is reference.UserStore: in-memory get-or-create by (org, user), starting from the
// deployment's linked existing users; a new user gets an id no existing user holds.
type UserStore struct {
	mu    sync.Mutex
	rows  map[UserKey]UserRecord
	taken map[string]bool
	next  int
}

// NewUserStore is UserStore(seeded_rows(org, existing), taken).
func NewUserStore(org string, existing []LocalUser) *UserStore {
	store := &UserStore{rows: map[UserKey]UserRecord{}, taken: map[string]bool{}}
	for _, user := range existing {
		store.taken[user.UserID] = true
		if user.ClerkUserID != nil {
			key := UserKey{org, *user.ClerkUserID}
			store.rows[key] = UserRecord{user.UserID, org, *user.ClerkUserID}
		}
	}
	return store
}

// GetOrCreate is UserStore.get_or_create.
func (s *UserStore) GetOrCreate(key UserKey) UserRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rows == nil {
		s.rows = map[UserKey]UserRecord{}
	}
	record, ok := s.rows[key]
	if !ok {
		userID := ""
		for userID == "" || s.taken[userID] {
			s.next++
			userID = fmt.Sprintf("usr_%06d", s.next)
		}
		record = UserRecord{userID, key.Org, key.User}
		s.rows[key] = record
	}
	return record
}

type entry[K comparable, V any] struct {
	key       K
	expiresAt float64
	value     V
}

// TTLCache is reference.TTLCache: a bounded LRU whose entries expire ttl seconds after writing.
type TTLCache[K comparable, V any] struct {
	mu      sync.Mutex
	ttl     float64
	clock   *Clock
	order   *list.List // least recently used first
	entries map[K]*list.Element
}

// NewTTLCache is TTLCache(ttl_s) (max_size 10,000).
func NewTTLCache[K comparable, V any](ttl float64, clock *Clock) *TTLCache[K, V] {
	return &TTLCache[K, V]{ttl: ttl, clock: clock, order: list.New(), entries: map[K]*list.Element{}}
}

const maxCacheSize = 10_000

// Get is TTLCache.get: the live entry, or false (an expired one is dropped).
func (c *TTLCache[K, V]) Get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	element, ok := c.entries[key]
	if !ok {
		return zero, false
	}
	e := element.Value.(*entry[K, V])
	if c.clock.Now() >= e.expiresAt {
		c.order.Remove(element)
		delete(c.entries, key)
		return zero, false
	}
	c.order.MoveToBack(element)
	return e.value, true
}

// Put is TTLCache.put: value under key for the TTL, the least recently used evicted.
func (c *TTLCache[K, V]) Put(key K, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &entry[K, V]{key, c.clock.Now() + c.ttl, value}
	if element, ok := c.entries[key]; ok {
		element.Value = e
		c.order.MoveToBack(element)
	} else {
		c.entries[key] = c.order.PushBack(e)
	}
	for c.order.Len() > maxCacheSize {
		oldest := c.order.Front()
		c.order.Remove(oldest)
		delete(c.entries, oldest.Value.(*entry[K, V]).key)
	}
}
