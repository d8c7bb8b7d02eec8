package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// seatEvents streams a show's seats as Server-Sent Events:
//
//	event: seatmap   the whole seat map (as GET /api/shows/{show}/seats), first
//	                 and again whenever a periodic re-read finds it changed
//	event: update    one change: {"seats": [...], "status": "held", "at": ...}
//	: ping           a comment every Heartbeat, to keep the connection open
//
// It reads the map (for the seats' types and prices), then subscribes with
// Watch, whose stream begins with the whole seat map as it opens (its
// updates marked Initial): an update event carries only the seats whose
// status differs from what the client last heard, so that map sends just
// what changed since the read, and no change committed in between is
// lost; the stream needs no other use of Initial. The stream ends
// when the client goes, or stops reading (a write that does not get through
// within streamWriteTimeout), the show's updates end (the BookingSystem
// closes, or the stream fell EventBuffer updates behind), or the server shuts
// down (a write blocked then gets streamCloseGrace more); EventSource then
// reconnects and starts again with a fresh map.
//
// The server holds at most MaxStreams streams: one more is refused with 503
// before it reads anything or opens a Watch (EventSource retries by
// itself).
func (s *server) seatEvents(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	showID := r.PathValue("show")
	release, ok := s.takeStream()
	if !ok {
		s.log.Debug("event stream refused: the server holds MaxStreams streams", "show", showID, "max", s.opts.MaxStreams)
		s.writeError(w, r, errTooManyStreams)
		return
	}
	defer release()
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
	m, err := s.readSeatMap(ctx, showID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	updates, err := s.sys.Watch(ctx, showID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	dl := &streamDeadline{rc: rc, timeout: streamWriteTimeout(s.opts.Heartbeat)}
	// The server's WriteTimeout is for ordinary answers; a stream lives on,
	// each write with its own deadline. (ResponseController wraps
	// ErrNotSupported, so compare with errors.Is; without deadlines the
	// server's WriteTimeout ends the stream, and EventSource reconnects.)
	if err := dl.extend(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.writeError(w, r, err)
		return
	}
	// The loop below sees s.closing only between writes: a write to a
	// client that stopped reading blocks until its deadline, and shutdown
	// cannot wait that long. Cut it short instead.
	defer s.onClose(dl.shutdown)()
	// From here on every write goes through out, which sets its deadline.
	out := deadlineWriter{w: w, dl: dl}
	setStreamHeaders(w.Header())
	w.WriteHeader(http.StatusOK)

	// sent is the status of every seat as the client last heard it, in
	// layout order, so that a re-read sends the map only when it changed,
	// and an update only the seats it changes.
	index := make(map[string]int, len(m.Seats))
	sent := make([]string, len(m.Seats))
	for i, seat := range m.Seats {
		index[seat.ID] = i
		sent[i] = seat.Status
	}
	if writeEvent(out, "seatmap", m) != nil || rc.Flush() != nil {
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
				return // the BookingSystem is closing, or the stream fell behind: the page reconnects
			}
			status := u.Status.String()
			var seats []string
			for _, id := range u.Seats {
				if i, ok := index[id]; ok && sent[i] != status {
					sent[i] = status
					seats = append(seats, id)
				}
			}
			if len(seats) == 0 {
				continue // the client has it already: from the map, say
			}
			err = writeEvent(out, "update", seatUpdateJSON{Seats: seats, Status: status, At: u.At})
		case <-heartbeat.C():
			heartbeat.Reset(s.opts.Heartbeat)
			_, err = io.WriteString(out, ": ping\n\n")
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
			err = writeEvent(out, "seatmap", m)
		}
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			return // the client is gone, or stopped reading
		}
	}
}

// errTooManyStreams refuses a stream past MaxStreams. Streams end all the
// time (pages closed, shows over), so a slot is likely free soon.
var errTooManyStreams = &apiError{status: http.StatusServiceUnavailable, code: "busy", retryAfter: 5,
	msg: "the server holds as many live streams as it can: try again shortly"}

// takeStream takes a slot for a live stream without waiting, and reports
// whether there was one; release gives it back.
func (s *server) takeStream() (release func(), ok bool) {
	select {
	case s.streams <- struct{}{}:
		return func() { <-s.streams }, true
	default:
		return nil, false
	}
}

// streamCloseGrace is how long a stream's write may still take once the
// server shuts down: enough for a client that reads to get the end of the
// answer, short enough for a graceful shutdown to outwait.
const streamCloseGrace = time.Second

// streamWriteTimeout is how long each write of a stream may take before
// the client counts as gone: twice the heartbeat, and at least 30
// seconds, so a slow link gets time, but a client that keeps the
// connection open and stops reading does not hold the handler, its Watch
// and the connection forever.
func streamWriteTimeout(heartbeat time.Duration) time.Duration {
	return max(2*heartbeat, 30*time.Second)
}

// streamDeadline sets the write deadlines of one stream. Net deadlines are
// wall-clock times, hence time.Now and not the BookingSystem's Clock
// (which a test may hold still).
type streamDeadline struct {
	rc      *http.ResponseController
	timeout time.Duration

	mu      sync.Mutex
	closing bool // once set, the grace deadline stands
}

// extend gives the next write its timeout, unless the server is closing,
// whose shorter deadline must not be lifted again.
func (d *streamDeadline) extend() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closing {
		return nil
	}
	return d.rc.SetWriteDeadline(time.Now().Add(d.timeout))
}

// shutdown makes any write fail after streamCloseGrace; net.Conn
// deadlines may be set while a write is blocked, and fail it.
func (d *streamDeadline) shutdown() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closing = true
	_ = d.rc.SetWriteDeadline(time.Now().Add(streamCloseGrace))
}

// deadlineWriter gives each write of a stream (and the Flush that follows
// it) its write timeout, just before it is made: time spent waiting for
// the next event does not count.
type deadlineWriter struct {
	w  io.Writer
	dl *streamDeadline
}

func (d deadlineWriter) Write(p []byte) (int, error) {
	_ = d.dl.extend() // its error, if any, was judged before the stream began
	return d.w.Write(p)
}

// onClose runs f once the server starts closing its streams, on a
// goroutine of its own. The returned stop must be called before the
// handler returns: it waits for f if f has started, since a
// ResponseController must not be used after its handler has returned.
func (s *server) onClose(f func()) (stop func()) {
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-s.closing:
			f()
		case <-done:
		}
	}()
	return func() {
		close(done)
		<-exited
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
