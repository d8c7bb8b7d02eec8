package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestRun plays the whole demo and checks the lines a reader relies on,
// whatever the machine's zone: the system gives times in UTC, and the
// demo, which schedules shows at their theaters' hours (Asia/Kolkata),
// prints them at those hours (it printed 19:00 as 13:30 in India once
// times were stored in UTC, when it scheduled them in the machine's zone).
func TestRun(t *testing.T) {
	local := time.Local
	defer func() { time.Local = local }()
	for _, zone := range []*time.Location{time.UTC, time.FixedZone("IST", 5*3600+1800), time.FixedZone("PST", -8*3600)} {
		t.Run(zone.String(), func(t *testing.T) {
			time.Local = zone
			testRun(t)
		})
	}
}

func testRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("run: %v\noutput so far:\n%s", err, &out)
	}
	text := out.String()
	lines := strings.Split(text, "\n")

	// Each check finds the first line that starts with prefix (after
	// indentation) and wants every one of the fragments in it.
	checks := []struct {
		name   string
		prefix string
		want   []string
	}{
		{"schedule conflict refused", "refused: boxoffice: show pvr-audi-1-late", []string{"overlaps show pvr-audi-1-1900"}},
		{"conflict matches the sentinel", "errors.Is(err, boxoffice.ErrScheduleConflict)", []string{"= true", "free from 21:58"}},
		{"rescheduled after the buffer", "at 22:00 instead", []string{"scheduled, 22:00–"}},
		{"search by title", `title contains "dark":`, []string{"The Dark Knight"}},
		{"search by genre", `genre "sci-fi":`, []string{"Inception, Interstellar"}},
		{"search by language", `language "Hindi":`, []string{"3 Idiots, Dangal"}},
		{"search by city", `showing in "Delhi":`, []string{"Dangal, Inception"}},
		{"alice holds two VIP seats", "Alice holds A1, A2", []string{"held", "total 45.00"}},
		{"bob is refused A1 and A2", "Bob asks for A1, A2:", []string{"refused seats A1, A2"}},
		{"the refusal names both seats", "boxoffice: seats refused in show pvr-audi-1-1900:", []string{"A1 (held by another customer)", "A2 (held by another customer)"}},
		{"bob holds two Premium seats", "Bob holds C5, C6", []string{"held", "total 39.00"}},
		{"held seats on the map", "A   h h V", nil},
		{"regular pricing", "RegularPricing ", []string{"45.00", "39.00", "30.00"}},
		{"weekend pricing", "WeekendPricing", []string{"67.50", "58.50", "45.00"}},
		{"holiday pricing", "HolidayPricing (×2.0)", []string{"90.00", "78.00", "60.00"}},
		{"calendar pricing", "CalendarPricing", []string{"90.00", "78.00", "60.00"}},
		{"member discount", "MemberDiscount 10% off, alice", []string{"40.50", "35.10", "27.00"}},
		{"non-member pays full price", "MemberDiscount 10% off, bob", []string{"45.00", "39.00", "30.00"}},
		{"a hold keeps its price", "Under HolidayPricing Carol", []string{"for 90.00", "still costs 45.00"}},
		{"hold", "1. hold", []string{"held", "seats D3, D4", "total 39.00"}},
		{"confirm", "2. confirm", []string{"confirmed", "paid 39.00", "payment ref ch_"}},
		{"sold seats on the map", "D   P P X X", nil},
		{"cancel with refund", "3. cancel", []string{"cancelled", "refund 39.00 (100%)", "refund ref re_"}},
		{"refund tiers", "The default refund policy", []string{"24h → 100%", "3h → 50%", "1h → 25%", "10m → 0%"}},
		{"confirmation email", "Subject: Booking confirmed for show inox-screen-2-1830", nil},
		{"cancellation email", "Subject: Booking cancelled for show inox-screen-2-1830", nil},
		{"refund email", "Refund: $39.00 (100% of the total)", nil},
		{"show paid for", "paid:", []string{"confirmed", "seats E1, E2", "paid 30.00"}},
		{"show cancelled", "CancelShow:", []string{"1 booking cancelled", "0 refunds still owed"}},
		{"refunded in full", "refunded:", []string{"cancelled", "refund 30.00 (100%)", "refund ref re_"}},
		{"cancelled show listed", "listed:", []string{"cancelled, 0 of 60 seats free"}},
		{"hold on the cancelled show", "a new hold:", []string{"show saket-audi-3-1700 was cancelled"}},
		{"stats", "Stats:", []string{"5 holds", "1 refused", "1 released", "2 confirmed", "2 cancelled"}},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			line, ok := lineWithPrefix(lines, c.prefix)
			if !ok {
				t.Fatalf("no line starts with %q", c.prefix)
			}
			for _, w := range c.want {
				if !strings.Contains(line, w) {
					t.Errorf("line %q lacks %q", line, w)
				}
			}
		})
	}

	// Priya hears of each of the three steps by email and by SMS; Alice,
	// Bob and Carol have no contact and hear nothing.
	for _, header := range []string{"--- email to priya@example.com", "--- sms to +91 98200 12345"} {
		if n := strings.Count(text, header); n != 3 {
			t.Errorf("%d messages %q, want 3 (held, confirmed, cancelled)", n, header)
		}
	}
	if n := strings.Count(text, "--- "); n != 6 {
		t.Errorf("%d notifications in all, want 6", n)
	}
	// Each show is listed at the hours of its ID, the theater's, in every
	// machine zone.
	for _, show := range []struct{ id, hours string }{
		{"pvr-audi-1-1400", "14:00–16:32"}, {"inox-screen-2-1830", "18:30–21:20"}, {"saket-audi-3-2030", "20:30–22:58"},
	} {
		if line, ok := lineWithSuffix(lines, show.id); !ok || !strings.Contains(line, show.hours) {
			t.Errorf("show %s listed as %q; want it at %s", show.id, line, show.hours)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", text)
	}
}

func lineWithSuffix(lines []string, suffix string) (string, bool) {
	for _, l := range lines {
		if strings.HasSuffix(strings.TrimSpace(l), suffix) {
			return l, true
		}
	}
	return "", false
}

func lineWithPrefix(lines []string, prefix string) (string, bool) {
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return l, true
		}
	}
	return "", false
}
