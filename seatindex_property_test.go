package boxoffice_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/boxoffice-go/boxoffice"
)

// TestMemoryStoreSeatsOfUserIndex: random transactions of puts by three
// users, some rolled back, some several puts of one booking; after each,
// the in-memory Store's SeatsOfUser (its per-show index) matches a count
// over a model of the committed bookings.
func TestMemoryStoreSeatsOfUserIndex(t *testing.T) {
	users := []string{"u0", "u1", "u2"}
	statuses := []boxoffice.BookingStatus{boxoffice.StatusHeld, boxoffice.StatusPaying, boxoffice.StatusConfirmed, boxoffice.StatusReleased, boxoffice.StatusExpired, boxoffice.StatusFailed, boxoffice.StatusCancelled}
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		s := newMemShows(t, "s")
		now := memDay.Add(-time.Hour)
		model := map[boxoffice.BookingID]boxoffice.Booking{}
		var ids [5]boxoffice.BookingID
		for i := range ids {
			ids[i][15] = byte(i + 1)
		}
		count := func(m map[boxoffice.BookingID]boxoffice.Booking, u string, at time.Time) int {
			n := 0
			for _, b := range m {
				if b.UserID != u {
					continue
				}
				switch b.Status {
				case boxoffice.StatusHeld:
					if at.Before(b.HeldUntil) {
						n += len(b.Seats)
					}
				case boxoffice.StatusPaying, boxoffice.StatusConfirmed:
					n += len(b.Seats)
				}
			}
			return n
		}
		errRollback := errors.New("rollback")
		for step := range rapid.IntRange(1, 30).Draw(rt, "steps") {
			_ = step
			rollback := rapid.Bool().Draw(rt, "rollback")
			checkMid := rapid.Bool().Draw(rt, "check mid")
			working := map[boxoffice.BookingID]boxoffice.Booking{}
			for k, v := range model {
				working[k] = v
			}
			puts := rapid.IntRange(1, 4).Draw(rt, "puts")
			var bad string
			err := s.UpdateShow(ctx, "s", func(tx boxoffice.ShowTx) error {
				c := tx.(boxoffice.UserSeatCounter)
				for range puts {
					if checkMid {
						for _, u := range users {
							if got, _ := c.SeatsOfUser(u, now); got != count(working, u, now) {
								bad = "mid-tx " + u + ": " + strconv.Itoa(got) + " want " + strconv.Itoa(count(working, u, now))
							}
						}
					}
					id := ids[rapid.IntRange(0, 4).Draw(rt, "id")]
					b := boxoffice.Booking{
						ID: id, ShowID: "s",
						UserID:    rapid.SampledFrom(users).Draw(rt, "user"),
						Status:    rapid.SampledFrom(statuses).Draw(rt, "status"),
						HeldUntil: now.Add(time.Duration(rapid.IntRange(-2, 2).Draw(rt, "until")) * time.Minute),
						CreatedAt: now,
					}
					for i := range rapid.IntRange(0, 3).Draw(rt, "seats") {
						b.Seats = append(b.Seats, boxoffice.BookingSeat{ID: "A" + strconv.Itoa(i+1)})
					}
					tx.PutBooking(b)
					working[id] = b
				}
				if rollback {
					return errRollback
				}
				return nil
			})
			if bad != "" {
				rt.Fatal(bad)
			}
			if err != nil && !errors.Is(err, errRollback) {
				rt.Fatal(err)
			}
			if err == nil {
				model = working
			}
			now = now.Add(time.Duration(rapid.IntRange(0, 2).Draw(rt, "tick")) * time.Minute)
			_ = s.UpdateShow(ctx, "s", func(tx boxoffice.ShowTx) error {
				c := tx.(boxoffice.UserSeatCounter)
				for _, u := range users {
					if got, _ := c.SeatsOfUser(u, now); got != count(model, u, now) {
						bad = u + ": " + strconv.Itoa(got) + " want " + strconv.Itoa(count(model, u, now))
					}
				}
				return nil
			})
			if bad != "" {
				rt.Fatal(bad)
			}
		}
	})
}
