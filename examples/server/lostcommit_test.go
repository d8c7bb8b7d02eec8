package main

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boxoffice-go/boxoffice"
)

// lostCommitStore is the in-memory Store whose n-th UpdateShow after arm
// commits and then reports ErrCommitUnknown, as pgstore does when the
// connection drops once the commit is sent: the change is made, and the
// caller is told it may not have been.
type lostCommitStore struct {
	*boxoffice.MemoryStore
	countdown atomic.Int32 // UpdateShows to go until the lost one; 0: none
	lost      atomic.Int32 // commits reported lost
}

func (s *lostCommitStore) arm(n int) { s.countdown.Store(int32(n)) }

func (s *lostCommitStore) UpdateShow(ctx context.Context, showID string, fn func(tx boxoffice.ShowTx) error) error {
	err := s.MemoryStore.UpdateShow(ctx, showID, fn)
	if err == nil && s.countdown.Load() > 0 && s.countdown.Add(-1) == 0 {
		s.lost.Add(1)
		return fmt.Errorf("lostCommitStore: connection lost during the commit: %w", boxoffice.ErrCommitUnknown)
	}
	return err
}

// TestRetryAfterLostCommit: a call on a booking whose commit went through
// but was reported lost answers 503 outcome_unknown, "send it again"; the
// same call again, by the same customer, answers 200 with the booking as
// the first call left it — a cancel retried on the booking it cancelled is
// not a 409 "already cancelled", which would tell the customer it failed.
// The library answers so (a confirm of a confirmed booking, a release of a
// released one and a cancel of a cancelled one return the booking, the
// refund paid if it was owed; an extend sent again within a minute of the
// one that extended returns the hold, using up no other extension); this
// pins it at the HTTP layer, for each transaction of the call that can
// lose its commit.
func TestRetryAfterLostCommit(t *testing.T) {
	tests := []struct {
		action  string
		paid    bool // confirm the booking first
		nth     int  // which of the call's transactions loses its commit
		want    string
		pending bool // the first answer is 503 payment_pending, not outcome_unknown
	}{
		{action: "confirm", nth: 1, want: "confirmed"},                // marking it paying
		{action: "confirm", nth: 2, want: "confirmed", pending: true}, // recording the payment
		{action: "release", nth: 1, want: "released"},
		{action: "cancel", paid: true, nth: 1, want: "cancelled"}, // cancelling it; the refund is paid on the retry
		{action: "extend", nth: 1, want: "held"},                  // its one extension: sent again, not a 409 limit_reached
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.action, tt.nth), func(t *testing.T) {
			var ls *lostCommitStore
			// One extension a hold: a retry that spent another would
			// answer 409 limit_reached.
			f := newFixtureOn(t, boxoffice.Config{MaxHoldExtensions: 1}, func(m *boxoffice.MemoryStore) boxoffice.Store {
				ls = &lostCommitStore{MemoryStore: m}
				return ls
			})
			b := f.hold("ana", f.freeSeats(f.show, 0, 2)...)
			if tt.action == "extend" {
				f.clock.Advance(5 * time.Minute) // the customer is still typing their card number
			}
			path := "/api/bookings/" + b.ID + "/" + tt.action
			if tt.paid {
				f.callJSON("POST", "/api/bookings/"+b.ID+"/confirm", bookingBody("confirm", "ana"), http.StatusOK, nil)
			}
			ls.arm(tt.nth)
			rec := f.call("POST", path, bookingBody(tt.action, "ana"))
			if ls.lost.Load() != 1 {
				t.Fatalf("%d commits lost; want 1 (the test's setup is wrong)", ls.lost.Load())
			}
			code := "outcome_unknown"
			if tt.pending {
				code = "payment_pending"
			}
			if e := decodeError(t, rec.Body.String()); rec.Code != http.StatusServiceUnavailable || e.Code != code || rec.Header().Get("Retry-After") == "" {
				t.Fatalf("first %s: %d %+v (Retry-After %q); want 503 %s with Retry-After", tt.action, rec.Code, e, rec.Header().Get("Retry-After"), code)
			}

			// Someone else sending it learns nothing of the booking.
			if rec := f.call("POST", path, bookingBody(tt.action, "bob")); rec.Code != http.StatusNotFound {
				t.Errorf("bob's %s of ana's booking: %d %s; want 404", tt.action, rec.Code, rec.Body)
			}
			var again bookingJSON
			f.callJSON("POST", path, bookingBody(tt.action, "ana"), http.StatusOK, &again)
			if again.Status != tt.want {
				t.Fatalf("%s sent again: status %q; want %q", tt.action, again.Status, tt.want)
			}
			var read bookingJSON
			f.callJSON("GET", "/api/bookings/"+b.ID, "", http.StatusOK, &read)
			if !reflect.DeepEqual(again, read) {
				t.Errorf("%s sent again answered\n%+v\nbut the booking reads\n%+v", tt.action, again, read)
			}
			if tt.action == "cancel" && (again.Refund == nil || again.Refund.RefundedAt.IsZero()) {
				t.Errorf("cancel sent again: refund %+v; want it paid", again.Refund)
			}
			if tt.action == "confirm" && (again.Payment == nil || again.Payment.Attempts != 1) {
				t.Errorf("confirm sent again: payment %+v; want the one charge of the first call", again.Payment)
			}
			if want := testStart.Add(15 * time.Minute); tt.action == "extend" && (again.Extensions != 1 || again.HeldUntil == nil || !again.HeldUntil.Equal(want)) {
				t.Errorf("extend sent again: %d extensions, held until %v; want the first call's one, until %s", again.Extensions, again.HeldUntil, want)
			}
			// And once more: the answer does not change.
			var third bookingJSON
			f.callJSON("POST", path, bookingBody(tt.action, "ana"), http.StatusOK, &third)
			if !reflect.DeepEqual(third, read) {
				t.Errorf("%s sent a third time answered\n%+v\nwant\n%+v", tt.action, third, read)
			}
		})
	}
}
