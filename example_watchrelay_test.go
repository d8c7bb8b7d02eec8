package boxoffice_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/boxoffice-go/boxoffice"
)

// relay copies a show's seat changes to one client (a websocket, say) until
// the client leaves or the BookingSystem closes. A Watch stream ends, its
// channel closed, for one of three reasons, which the relay tells apart:
//   - the client left: ctx is done, and the relay returns;
//   - the client fell more than Config.EventBuffer updates behind: ctx is
//     live, and a new stream begins with the whole seat map again, so the
//     relay tells the client to drop its map ("reset") before sending it;
//   - the BookingSystem closed: the new Watch answers ErrClosed, and the
//     relay says goodbye to the client.
func relay(ctx context.Context, sys *boxoffice.BookingSystem, showID string, send func(frame string)) error {
	for {
		updates, err := sys.Watch(ctx, showID)
		if errors.Is(err, boxoffice.ErrClosed) {
			send("goodbye")
			return nil
		}
		if err != nil {
			return err // ErrNotFound, or ctx's error: the client left
		}
		send("reset")
		for u := range updates {
			kind := "change"
			if u.Initial {
				kind = "map"
			}
			send(fmt.Sprint(kind, " ", u.Status, " ", len(u.Seats)))
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// A service relays a show's Watch stream to each client, opening a new
// stream when one ends while the client is still there (see relay above).
// A client slower than the seat changes has its stream end rather than
// miss a change unseen: the next stream begins with the seat map as it is
// now, which the client draws anew.
func ExampleBookingSystem_Watch_relay() {
	ctx, leave := context.WithCancel(context.Background())
	defer leave()
	sys, show := newDemo(boxoffice.Config{EventBuffer: 2, HoldsPerMinute: -1, MaxLiveHoldsPerUser: -1})

	frames := make(chan string) // a client that reads one frame at a time
	done := make(chan error, 1)
	go func() { done <- relay(ctx, sys, show.ID, func(f string) { frames <- f }) }()
	fmt.Println(<-frames, "|", <-frames)

	// Changes while the client reads nothing, until its stream can take
	// no more (Stats counts the first change it missed): it ends, after
	// the changes it holds, and the relay opens another. How many changes
	// that takes depends on how far the stream's delivery had got, so the
	// loop watches Stats rather than count to EventBuffer.
	for sys.Stats().EventsDropped == 0 {
		b := must(sys.HoldSeats(ctx, "user", show.ID, []string{"C1"}))
		must(sys.ReleaseHold(ctx, b.ID))
	}
	for i := range 10 {
		must(sys.HoldSeats(ctx, "user", show.ID, []string{fmt.Sprintf("C%d", i+1)}))
	}
	behind := 0
	f := <-frames
	for ; f != "reset"; f = <-frames {
		behind++ // the changes sent before the stream ended
	}
	fmt.Println("fell behind:", behind > 0)
	fmt.Println(f, "|", <-frames, "|", <-frames)
	fmt.Println("dropped:", sys.Stats().EventsDropped)

	must(sys.HoldSeats(ctx, "user", show.ID, []string{"D1"}))
	fmt.Println(<-frames)

	closeDemo(sys) // the service shuts down while the client is there
	fmt.Println(<-frames)
	fmt.Println("relay:", <-done)
	// Output:
	// reset | map available 60
	// fell behind: true
	// reset | map available 50 | map held 10
	// dropped: 1
	// change held 1
	// goodbye
	// relay: <nil>
}
