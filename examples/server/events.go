package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// seatEvents streams a show's seats as Server-Sent Events:
//
//	event: seatmap   the whole seat map (as GET /api/shows/{show}/seats), first
//	                 and again whenever a periodic re-read finds it changed
//	event: update    one change: {"seats": [...], "status": "held", "at": ...}
//	: ping           a comment every Heartbeat, to keep the connection open
//
// It subscribes with Watch before reading the map, so no change committed
// in between is lost (at worst one is sent twice, which is harmless: an
// update carries the seats' new status, not a difference). The stream ends
// when the client goes, the show's updates end, or the server shuts down;
// EventSource then reconnects and starts again with a fresh map.
func (s *server) seatEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	showID := r.PathValue("show")
	if r.Method == http.MethodHead {
		// A GET pattern also routes HEAD. net/http drops a HEAD answer's
		// body, so every write of a stream would "succeed" and it would
		// never end, holding the connection and a Watch: answer with the
		// headers a GET gets, and stop.
		if _, err := s.sys.Show(ctx, showID); err != nil {
			s.writeError(w, r, err)
			return
		}
		setStreamHeaders(w.Header())
		w.WriteHeader(http.StatusOK)
		return
	}
	updates, err := s.sys.Watch(ctx, showID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.readSeatMap(ctx, showID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	// The server's WriteTimeout is for ordinary answers; a stream lives on.
	// (ResponseController wraps ErrNotSupported, so compare with errors.Is.)
	if err := rc.SetWriteDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.writeError(w, r, err)
		return
	}
	setStreamHeaders(w.Header())
	w.WriteHeader(http.StatusOK)

	// sent is the status of every seat as the client last heard it, in
	// layout order, so that a re-read sends the map only when it changed.
	index := make(map[string]int, len(m.Seats))
	sent := make([]string, len(m.Seats))
	for i, seat := range m.Seats {
		index[seat.ID] = i
		sent[i] = seat.Status
	}
	if writeEvent(w, "seatmap", m) != nil || rc.Flush() != nil {
		return
	}

	clock := s.sys.Clock()
	heartbeat := clock.NewTimer(s.opts.Heartbeat)
	defer heartbeat.Stop()
	resync := clock.NewTimer(s.opts.Resync)
	defer resync.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-s.closing:
			return
		case u, ok := <-updates:
			if !ok {
				return // the BookingSystem is closing
			}
			status := u.Status.String()
			for _, id := range u.Seats {
				if i, ok := index[id]; ok {
					sent[i] = status
				}
			}
			err = writeEvent(w, "update", seatUpdateJSON{Seats: u.Seats, Status: status, At: u.At})
		case <-heartbeat.C():
			heartbeat.Reset(s.opts.Heartbeat)
			_, err = io.WriteString(w, ": ping\n\n")
		case <-resync.C():
			resync.Reset(s.opts.Resync)
			m, err = s.readSeatMap(ctx, showID)
			if err != nil {
				s.log.Warn("event stream: re-reading the seat map failed", "show", showID, "err", err)
				continue // try again on the next tick
			}
			now := make([]string, len(m.Seats))
			for i, seat := range m.Seats {
				now[i] = seat.Status
			}
			if slices.Equal(now, sent) {
				continue
			}
			sent = now
			err = writeEvent(w, "seatmap", m)
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return // the client is gone
		}
	}
}

func setStreamHeaders(h http.Header) {
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // tell nginx-like proxies not to buffer
}

// writeEvent writes one SSE event whose data is v as one line of JSON
// (encoding/json never writes a raw newline inside a value).
func writeEvent(w io.Writer, name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data)
	return err
}
