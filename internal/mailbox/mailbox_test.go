package mailbox

import (
	"context"
	"runtime"
	"slices"
	"testing"
)

func TestPutDropsTheOldestWhenFull(t *testing.T) {
	tests := []struct {
		name        string
		max, puts   int
		wantDropped uint64
		wantItems   []int
	}{
		{"under the limit", 4, 3, 0, []int{0, 1, 2}},
		{"at the limit", 4, 4, 0, []int{0, 1, 2, 3}},
		{"over the limit", 4, 7, 3, []int{3, 4, 5, 6}},
		{"past the first growth", 40, 45, 5, seq(5, 45)},
		{"max below one holds one", 0, 3, 2, []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New[int](tt.max)
			for i := range tt.puts {
				if !m.Put(i) {
					t.Fatalf("Put(%d) refused by an open mailbox", i)
				}
			}
			if got := m.Dropped(); got != tt.wantDropped {
				t.Errorf("Dropped = %d, want %d", got, tt.wantDropped)
			}
			m.Close()
			var got []int
			m.Run(context.Background(), func(v int) { got = append(got, v) })
			if !slices.Equal(got, tt.wantItems) {
				t.Errorf("delivered %v, want %v", got, tt.wantItems)
			}
			if m.Undelivered() != 0 {
				t.Errorf("Undelivered = %d after a full drain", m.Undelivered())
			}
		})
	}
}

// A mailbox made by NewClosingWhenFull closes on the Put that finds it
// full, dropping that item: its consumer gets every item before it, then
// the end, never a gap.
func TestClosingWhenFull(t *testing.T) {
	tests := []struct {
		name        string
		max, puts   int
		wantDropped uint64
		wantItems   []int
		wantRefused int // the first Put refused; -1: none
	}{
		{"under the limit", 4, 3, 0, []int{0, 1, 2}, -1},
		{"at the limit", 4, 4, 0, []int{0, 1, 2, 3}, -1},
		{"one over", 4, 5, 1, []int{0, 1, 2, 3}, 4},
		{"past the first growth", 40, 45, 1, seq(0, 40), 40},
		{"max below one holds one", 0, 3, 1, []int{0}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewClosingWhenFull[int](tt.max)
			refused := -1
			for i := range tt.puts {
				if !m.Put(i) && refused < 0 {
					refused = i
				}
			}
			if refused != tt.wantRefused {
				t.Errorf("first refused Put = %d, want %d", refused, tt.wantRefused)
			}
			if got := m.Dropped(); got != tt.wantDropped {
				t.Errorf("Dropped = %d, want %d", got, tt.wantDropped)
			}
			if tt.wantRefused < 0 {
				m.Close()
			}
			var got []int
			m.Run(context.Background(), func(v int) { got = append(got, v) }) // returns: closed either way
			if !slices.Equal(got, tt.wantItems) {
				t.Errorf("delivered %v, want %v", got, tt.wantItems)
			}
		})
	}
}

func TestPutAfterCloseIsRefused(t *testing.T) {
	m := New[int](4)
	m.Close()
	if m.Put(1) {
		t.Error("Put after Close reported true")
	}
	if m.Len() != 0 {
		t.Errorf("Len = %d after a refused Put", m.Len())
	}
}

// When Run's ctx ends while items wait, they are counted as undelivered,
// never delivered later, and the mailbox refuses new ones.
func TestRunCountsWhatItGivesUpOn(t *testing.T) {
	const queued = 5
	m := New[int](16)
	for i := range queued {
		m.Put(i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	entered, release := make(chan struct{}), make(chan struct{})
	var delivered []int
	go m.Run(ctx, func(v int) {
		delivered = append(delivered, v)
		if v == 0 {
			close(entered)
			<-release
		}
	})
	<-entered
	m.Put(queued) // queued behind the ones Run has taken
	cancel()
	close(release)
	<-m.Done()
	if !slices.Equal(delivered, []int{0}) {
		t.Errorf("delivered %v after the cancel, want only [0]", delivered)
	}
	if got := m.Undelivered(); got != queued {
		t.Errorf("Undelivered = %d, want %d", got, queued)
	}
	if m.Put(99) {
		t.Error("Put after Run gave up reported true")
	}
	if m.Dropped() != 0 {
		t.Errorf("Dropped = %d: nothing overflowed", m.Dropped())
	}
}

// Discard counts at once what Run has not begun to deliver, the items it
// has taken from the queue included, while a deliver is still running;
// nothing is delivered after it, nor counted twice.
func TestDiscardCountsWhileADeliverRuns(t *testing.T) {
	const queued = 5
	m := New[int](16)
	for i := range queued {
		m.Put(i)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	var delivered []int
	go m.Run(context.Background(), func(v int) {
		delivered = append(delivered, v)
		if v == 0 {
			close(entered)
			<-release
		}
	})
	<-entered // Run has taken all five, and delivers the first
	m.Put(queued)
	m.Discard()
	if got := m.Undelivered(); got != queued {
		t.Errorf("Undelivered = %d as Discard returns, want %d (4 taken, 1 queued)", got, queued)
	}
	if m.Put(99) {
		t.Error("Put after Discard reported true")
	}
	close(release)
	<-m.Done()
	if !slices.Equal(delivered, []int{0}) {
		t.Errorf("delivered %v, want only [0]", delivered)
	}
	if got := m.Undelivered(); got != queued {
		t.Errorf("Undelivered = %d once Run returned, want %d", got, queued)
	}
}

// A deliver that ends its goroutine (runtime.Goexit) does not end the
// delivery: the items Run had taken come next, in order, on a new
// goroutine, and Done waits for that one.
func TestRunGoesOnAfterGoexit(t *testing.T) {
	const queued = 5
	m := New[int](16)
	for i := range queued {
		m.Put(i)
	}
	var delivered []int
	exited := false
	go m.Run(context.Background(), func(v int) {
		delivered = append(delivered, v)
		if v == 1 && !exited {
			exited = true
			runtime.Goexit()
		}
	})
	m.Put(queued) // behind the ones Run has taken, or with them
	m.Close()
	<-m.Done()
	if want := seq(0, queued+1); !slices.Equal(delivered, want) {
		t.Errorf("delivered %v, want %v", delivered, want)
	}
	if m.Undelivered() != 0 || m.Dropped() != 0 {
		t.Errorf("Undelivered = %d, Dropped = %d; want 0, 0", m.Undelivered(), m.Dropped())
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}
